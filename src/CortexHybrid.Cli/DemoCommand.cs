using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using CortexHybrid.Cli.Server;
using CortexHybrid.Memory.Corpora;
using CortexHybrid.Memory.Vectors;
using CortexHybrid.Search;

namespace CortexHybrid.Cli;

/// <summary>
/// <c>cortex demo</c>, the main job. By default the semantic memory on a real text corpus
/// (<see cref="ApiDemo"/>): the .NET SDK's API documentation remembered once into the demo's own
/// store, a few natural-language questions answered with the recalled API members and their
/// scores, then the memory's status. With <c>--corpus FILE</c> or <c>--synthetic</c>, the vector
/// pipeline as before: a vector corpus, a mixed search workload through the pipeline (kernels,
/// cache, pooled SQLite metadata, monitor), the kernel comparison, a few results and the
/// monitor's report.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        Option<string?> store = StoreOptions.Store();
        store.Description = $"The demo's memory directory (created, readable by you only, when missing). Default: {ApiDemo.DefaultStoreDirectory()}, beside the default memory and apart from it.";
        Option<int> limit = LimitOption();
        Option<bool> kernels = new("--kernels") { Description = "Also measure and print the kernel comparison (implied by --dimensions or --rounds; always on with --corpus or --synthetic)." };
        Option<string?> corpus = CorpusLoader.CorpusOption();
        corpus.Description = "Run the vector pipeline on these vectors instead: a .fvecs or .npy (float32) file, or an index saved by VectorIndex.Save (any other extension).";
        Option<bool> synthetic = new("--synthetic") { Description = "Run the vector pipeline on the seeded synthetic corpus of 100,000 x 384 instead (the demo before the API documentation)." };
        Option<int> requests = CliOptions.WholeNumberOption("--requests", "Vector pipeline: requests in the workload, 1 to 1,000,000.", minimum: 1, maximum: 1_000_000, defaultValue: 3000);
        Option<int> concurrency = CliOptions.ConcurrencyOption();
        concurrency.Description = "Vector pipeline: concurrent clients, 1 to 1024.";
        Option<int[]> dimensions = BenchCommand.DimensionsOption();
        Option<int> rounds = BenchCommand.RoundsOption();
        Option<bool> json = CliOptions.JsonOption();
        Option<bool> verbose = CommandErrors.VerboseOption();
        var command = new Command(
            "demo",
            "Remember the .NET SDK's API documentation (once; later runs reuse the store), answer a few natural-language questions with the recalled API members and their scores, and print the memory's status. "
            + "With --corpus or --synthetic: the vector pipeline (a mixed search workload, the kernel comparison, a few results and the report).")
        {
            store, limit, kernels, corpus, synthetic, requests, concurrency, dimensions, rounds, json, verbose,
        };
        command.SetAction((result, _) => CommandErrors.RunAsync(result.GetValue(verbose), async () =>
        {
            // Ctrl-C or SIGTERM ends the ingestion or the workload early; the rest still runs.
            using ConsoleInterrupt interrupt = ConsoleInterrupt.Listen();
            bool vectors = result.GetValue(corpus) is not null || result.GetValue(synthetic);
            if (result.GetValue(corpus) is not null && result.GetValue(synthetic))
            {
                throw new UsageException("--corpus and --synthetic both choose the vectors: give one.");
            }

            if (vectors)
            {
                RefuseGiven(result, "the API documentation demo (without --corpus or --synthetic)", store, limit, kernels);
                return await RunVectorsAsync(result, corpus, requests, concurrency, dimensions, rounds, json, interrupt);
            }

            RefuseGiven(result, "the vector pipeline (--corpus or --synthetic)", requests, concurrency);
            var settings = new ApiDemo.Settings
            {
                StoreDirectory = string.IsNullOrWhiteSpace(result.GetValue(store)) ? ApiDemo.DefaultStoreDirectory() : Path.GetFullPath(result.GetValue(store)!),
                Limit = result.GetValue(limit) is int n and > 0 ? n : null,
                Json = result.GetValue(json),
                Kernels = result.GetValue(kernels) || IsGiven(result, dimensions) || IsGiven(result, rounds),
                Dimensions = result.GetValue(dimensions)!,
                Rounds = result.GetValue(rounds),
            };
            return await ApiDemo.RunAsync(settings, interrupt);
        }));
        return command;
    }

    /// <summary>A new <c>--limit</c> option: remember only the first N members of the subset; 0 (not given) for all of it.</summary>
    private static Option<int> LimitOption() => CliOptions.WholeNumberOption(
        "--limit",
        $"Remember only the first N members of the API documentation subset, 1 to {ApiDocumentationCorpus.SubsetSize:N0} (default: all of it; the featured everyday types come first).",
        minimum: 1,
        maximum: ApiDocumentationCorpus.SubsetSize,
        defaultValue: 0);

    private static bool IsGiven(ParseResult result, Option option) => result.GetResult(option) is { Implicit: false };

    /// <summary>A usage error for options that belong to the other kind of demo.</summary>
    private static void RefuseGiven(ParseResult result, string belongsTo, params Option[] options)
    {
        Option? given = options.FirstOrDefault(o => IsGiven(result, o));
        if (given is not null)
        {
            throw new UsageException($"{given.Name} applies to {belongsTo} only.");
        }
    }

    /// <summary>The vector pipeline demo, as before the API documentation: a vector corpus, a mixed workload, the comparison, results and the report.</summary>
    private static async Task<int> RunVectorsAsync(
        ParseResult result,
        Option<string?> corpus,
        Option<int> requests,
        Option<int> concurrency,
        Option<int[]> dimensions,
        Option<int> rounds,
        Option<bool> json,
        ConsoleInterrupt interrupt)
    {
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
    }
}
