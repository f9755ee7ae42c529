using System.CommandLine;
using System.Text.Json;
using CortexHybrid.Memory.Vectors;
using CortexHybrid.Search;

namespace CortexHybrid.Cli;

/// <summary>
/// <c>cortex demo</c>, the main job: a corpus (synthetic by default), the search pipeline over it
/// (kernels, cache, pooled SQLite metadata, monitor), a short mixed workload, then the kernel
/// comparison, a few results and the monitor's report.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        Option<string?> corpus = CorpusLoader.CorpusOption();
        Option<int> requests = CliOptions.WholeNumberOption("--requests", "Requests in the workload, 1 to 1,000,000.", minimum: 1, maximum: 1_000_000, defaultValue: 3000);
        Option<int> concurrency = CliOptions.ConcurrencyOption();
        Option<int[]> dimensions = BenchCommand.DimensionsOption();
        Option<int> rounds = BenchCommand.RoundsOption();
        Option<bool> json = CliOptions.JsonOption();
        Option<bool> verbose = CommandErrors.VerboseOption();
        var command = new Command(
            "demo",
            "Build a corpus (or load --corpus), serve a mixed search workload through the pipeline (cache, pooled SQLite metadata, monitor), and print the kernel comparison, a few results and the report.")
        {
            corpus, requests, concurrency, dimensions, rounds, json, verbose,
        };
        command.SetAction((result, _) => CommandErrors.RunAsync(result.GetValue(verbose), async () =>
        {
            // Ctrl-C or SIGTERM ends the workload early; the rest (comparison, results, report) still runs.
            using ConsoleInterrupt interrupt = ConsoleInterrupt.Listen();
            bool asJson = result.GetValue(json);
            MachineReport info = MachineReport.Gather();
            (VectorIndex index, string description) = CorpusLoader.Load(result.GetValue(corpus), showProgress: !asJson);
            using (index)
            {
                await using VectorCorpusPipeline memory = await VectorCorpusPipeline.CreateAsync(index);
                var run = new LoadRun { Concurrency = result.GetValue(concurrency), Requests = result.GetValue(requests) };
                LoadResult outcome = await run.RunAsync(memory, interrupt.Token);
                ComparisonReport bench = BenchCommand.Measure(result.GetValue(dimensions)!, result.GetValue(rounds));
                float[] examples = SyntheticCorpus.Queries(SyntheticCorpus.Generate(100, index.Dimension), 3, seed: 11);
                var samples = new List<(int Query, SearchResponse Response)>();
                for (int q = 0; q < 3; q++)
                {
                    samples.Add((q, await memory.SearchAsync(examples.AsSpan(q * index.Dimension, index.Dimension).ToArray(), 5)));
                }

                if (asJson)
                {
                    var output = new
                    {
                        info,
                        corpus = description,
                        workload = new { outcome.Completed, cached = outcome.CachedMilliseconds.Length, outcome.Failed, outcome.RequestsPerSecond, elapsedSeconds = outcome.Elapsed.TotalSeconds, outcome.Interrupted },
                        bench,
                        results = samples.Select(s => new { query = s.Query, hits = s.Response.Hits }),
                        report = JsonDocument.Parse(memory.Monitor.GenerateJsonReport()).RootElement,
                        healthScore = memory.Monitor.GetHealthScore(),
                    };
                    Console.WriteLine(JsonSerializer.Serialize(output, CliOptions.Json));
                    return ExitCodes.Success;
                }

                foreach (string line in info.ToText())
                {
                    Console.WriteLine(line);
                }

                Console.WriteLine($"corpus           {description}");
                Console.WriteLine($"workload         {outcome.Completed:N0} searches by {result.GetValue(concurrency)} clients in {outcome.Elapsed.TotalSeconds:0.0} s ({outcome.RequestsPerSecond:N0}/s; {outcome.CachedMilliseconds.Length:N0} from the cache, {outcome.Failed:N0} failed){(outcome.Interrupted ? $", stopped by {interrupt.StoppedBy ?? "a signal"}" : string.Empty)}");
                Console.WriteLine();
                BenchCommand.Write(bench);
                Console.WriteLine();
                Console.WriteLine("A few results (top 5, cosine):");
                foreach ((int query, SearchResponse response) in samples)
                {
                    Console.WriteLine($"  query {query}{(response.FromCache ? " (cached)" : string.Empty)}:");
                    foreach (SearchHit hit in response.Hits)
                    {
                        Console.WriteLine($"    {hit.Id,8}  {hit.Score:0.0000}  {hit.Title}: {hit.Body}");
                    }
                }

                Console.WriteLine();
                Console.WriteLine(memory.Monitor.GenerateReport());
                return ExitCodes.Success;
            }
        }));
        return command;
    }
}
