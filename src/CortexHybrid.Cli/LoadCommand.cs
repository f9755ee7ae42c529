using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CortexHybrid.Memory.Vectors;
using CortexHybrid.Metrics;
using CortexHybrid.Search;
using Microsoft.Extensions.Caching.StackExchangeRedis;

namespace CortexHybrid.Cli;

/// <summary><c>cortex load</c>: the seed's load test as a tool, then the report and the seed guide's targets.</summary>
internal static class LoadCommand
{
    public static Command Create()
    {
        Option<int> concurrency = CliOptions.ConcurrencyOption();
        Option<TimeSpan> duration = CliOptions.DurationOption(
            "--duration",
            "How long to run, up to 24h: 30s, 2m, 1500ms (or hh:mm:ss). Ctrl-C or SIGTERM stops early and still reports.",
            maximum: TimeSpan.FromHours(24),
            defaultValue: TimeSpan.FromSeconds(30));
        var redis = new Option<string?>("--redis") { Description = "Put the cache's level 3 on this Redis server (host:port)." };
        Option<string?> corpus = CorpusLoader.CorpusOption();
        Option<bool> json = CliOptions.JsonOption();
        Option<bool> verbose = CommandErrors.VerboseOption();
        Option<string?> mcp = McpLoadCommand.McpOption();
        Option<int> clients = McpLoadCommand.ClientsOption();
        Option<string?> token = McpLoadCommand.TokenOption();
        Option<double> uncachedRate = McpLoadCommand.UncachedRateOption();
        var command = new Command(
            "load",
            "Run concurrent clients against the search pipeline for a while, then print the monitor's report and the seed guide's targets; "
            + "with --mcp, drive a running 'cortex serve' over MCP and check the design's targets.")
        {
            concurrency, duration, redis, corpus, json, verbose, mcp, clients, token, uncachedRate,
        };
        command.SetAction((result, _) => CommandErrors.RunAsync(result.GetValue(verbose), async () =>
        {
            if (result.GetValue(mcp) is { } url)
            {
                return await McpLoadCommand.RunAsync(result, url, clients, duration, token, uncachedRate, result.GetValue(json), [concurrency, redis, corpus]);
            }

            if (new Option[] { clients, token, uncachedRate }.FirstOrDefault(o => result.GetResult(o) is { Implicit: false }) is { } mcpOnly)
            {
                throw new UsageException($"{mcpOnly.Name} is for the MCP load test: give --mcp URL too.");
            }

            using ConsoleInterrupt interrupt = ConsoleInterrupt.Listen();
            bool asJson = result.GetValue(json);
            RedisCache? level3 = result.GetValue(redis) is { } endpoint ? await RedisLevel3.ConnectAsync(endpoint) : null;
            using (level3)
            {
                (VectorIndex index, string description) = CorpusLoader.Load(result.GetValue(corpus), showProgress: !asJson);
                using (index)
                {
                    await using VectorCorpusPipeline memory = await VectorCorpusPipeline.CreateAsync(index, new VectorCorpusPipelineOptions { Level3 = level3 });
                    if (!asJson)
                    {
                        string redisNote = level3 is null ? string.Empty : $", level 3 on Redis {RedisLevel3.Describe(result.GetValue(redis)!)}";
                        Console.Error.WriteLine($"cortex load: {result.GetValue(concurrency)} clients for {result.GetValue(duration)} on {description}{redisNote}; Ctrl-C stops early.");
                    }

                    // Ctrl-C or SIGTERM during start-up stops the run before it starts; the report still follows.
                    var run = new LoadRun { Concurrency = result.GetValue(concurrency), Duration = result.GetValue(duration) };
                    LoadResult outcome = await run.RunAsync(memory, interrupt.Token);
                    Write(memory, outcome, description, asJson, interrupt.StoppedBy);
                }
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>The seed guide's targets against what the run measured.</summary>
    public static IReadOnlyList<TargetCheck> Targets(LoadResult outcome, PerformanceSnapshot snapshot) =>
    [
        new("cached query p95", LoadResult.Percentile(outcome.CachedMilliseconds, 0.95), "ms", "<", 50),
        new("status call p95", LoadResult.Percentile(outcome.StatusMilliseconds, 0.95), "ms", "<", 10),
        new("throughput", outcome.RequestsPerSecond, "requests/s", ">", 1000),
        new("memory (peak working set)", snapshot.ResourceUsage.PeakWorkingSetBytes / (1024.0 * 1024.0), "MiB", "<", 512),
    ];

    public static void Write(VectorCorpusPipeline memory, LoadResult outcome, string corpus, bool asJson, string? stoppedBy)
    {
        PerformanceSnapshot snapshot = memory.Monitor.GetSnapshot();
        IReadOnlyList<TargetCheck> targets = Targets(outcome, snapshot);
        if (asJson)
        {
            var output = new
            {
                corpus,
                elapsedSeconds = outcome.Elapsed.TotalSeconds,
                interrupted = outcome.Interrupted,
                completed = outcome.Completed,
                cached = outcome.CachedMilliseconds.Length,
                failed = outcome.Failed,
                requestsPerSecond = outcome.RequestsPerSecond,
                targets,
                report = JsonDocument.Parse(memory.Monitor.GenerateJsonReport()).RootElement,
            };
            Console.WriteLine(JsonSerializer.Serialize(output, CliOptions.Json));
            return;
        }

        Console.WriteLine(memory.Monitor.GenerateReport());
        Console.WriteLine();
        Console.WriteLine($"Load run: {outcome.Completed:N0} requests ({outcome.CachedMilliseconds.Length:N0} served from the cache, {outcome.Failed:N0} failed) in {outcome.Elapsed.TotalSeconds:0.0} s{(outcome.Interrupted ? $", stopped by {stoppedBy ?? "a signal"}" : string.Empty)}.");
        Console.WriteLine("Seed guide targets (client-side timings):");
        foreach (TargetCheck target in targets)
        {
            Console.WriteLine($"  {(target.Met ? "met   " : "MISSED")} {target.Name,-26} {target.Value.ToString("0.###", CultureInfo.InvariantCulture),12} {target.Unit,-11} target {target.Comparison} {target.Threshold.ToString(CultureInfo.InvariantCulture)}");
        }
    }
}

/// <summary>One of the seed guide's targets and what was measured.</summary>
internal sealed record TargetCheck(string Name, double Value, string Unit, string Comparison, double Threshold)
{
    public bool Met => Comparison == "<" ? Value < Threshold : Value > Threshold;
}
