using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;

namespace CortexHybrid.Cli;

/// <summary><c>cortex load --mcp URL</c>: the options of the MCP mode, the run, and its report.</summary>
internal static class McpLoadCommand
{
    /// <summary>Distinct cached query texts.</summary>
    private const int CachedQueries = 64;

    /// <summary>Each client's every n-th call is memory_status (one in four; three cached recalls to one status call).</summary>
    private const int StatusEvery = 4;

    /// <summary>The k of every recall (the recall tool's default).</summary>
    private const int K = 5;

    /// <summary>The option naming the endpoint; its presence chooses the MCP mode.</summary>
    public static Option<string?> McpOption() => new("--mcp")
    {
        Description = "Drive a running 'cortex serve' at this MCP endpoint (http://127.0.0.1:7411/mcp) over Streamable HTTP instead of the in-process pipeline.",
    };

    /// <summary>A new <c>--clients</c> option: MCP clients, 1 to 256, default 8.</summary>
    public static Option<int> ClientsOption() =>
        CliOptions.WholeNumberOption("--clients", "With --mcp: concurrent MCP clients, one connection each, 1 to 256.", minimum: 1, maximum: 256, defaultValue: 8);

    /// <summary>A new <c>--token</c> option.</summary>
    public static Option<string?> TokenOption() => new("--token")
    {
        Description = $"With --mcp: the server's access token, sent as 'Authorization: Bearer <token>'; prefer ${ServeCommand.TokenVariable}, which other users cannot see in the process list.",
    };

    /// <summary>A new <c>--uncached-rate</c> option: <c>5</c>, <c>5/s</c> or <c>0.5/s</c>, 0 to 1000.</summary>
    public static Option<double> UncachedRateOption() => CliOptions.SingleValueOption(
        "--uncached-rate",
        "With --mcp: recalls of new query texts (so the model runs) per second across all clients, 0 to 1000; 0 for none.",
        "a rate from 0 to 1000 per second, such as 5, 5/s or 0.5/s",
        defaultValue: 5.0,
        text =>
        {
            text = text.Trim();
            string number = text.EndsWith("/s", StringComparison.OrdinalIgnoreCase) ? text[..^2] : text;
            return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double rate) && rate is >= 0 and <= 1000 ? rate : (double?)null;
        });

    /// <summary>Runs the MCP mode and writes its report; options of the in-process mode given with <c>--mcp</c> are a usage error.</summary>
    public static async Task<int> RunAsync(ParseResult result, string url, Option<int> clients, Option<TimeSpan> duration, Option<string?> token, Option<double> uncachedRate, bool asJson, IEnumerable<Option> inProcessOnly)
    {
        if (inProcessOnly.FirstOrDefault(o => result.GetResult(o) is { Implicit: false }) is { } other)
        {
            throw new UsageException($"{other.Name} is for the in-process load test; with --mcp the server's own settings apply.");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--mcp takes the http:// or https:// URL of a cortex serve's MCP endpoint, such as {ServeCommand.DefaultUrl}/mcp; '{url}' is not one.");
        }

        string? accessToken = result.GetValue(token) ?? Environment.GetEnvironmentVariable(ServeCommand.TokenVariable);
        var mix = new McpLoadMix(result.GetValue(clients), CachedQueries, StatusEvery, result.GetValue(uncachedRate), K);
        using ConsoleInterrupt interrupt = ConsoleInterrupt.Listen();
        TimeSpan length = result.GetValue(duration);
        var run = new McpLoadRun
        {
            Endpoint = endpoint,
            Mix = mix,
            Duration = length,
            Token = string.IsNullOrEmpty(accessToken) ? null : accessToken,
            Started = memories =>
            {
                if (!asJson)
                {
                    Console.Error.WriteLine($"cortex load: {mix.Clients} MCP client{(mix.Clients == 1 ? "" : "s")} for {length} against {endpoint} ({memories:N0} memories); Ctrl-C stops early.");
                }
            },
        };
        McpLoadResult outcome = await run.RunAsync(interrupt.Token);
        Write(outcome, asJson, interrupt.StoppedBy);
        return ExitCodes.Success;
    }

    public static void Write(McpLoadResult outcome, bool asJson, string? stoppedBy)
    {
        IReadOnlyList<TargetCheck> targets = outcome.Targets();
        if (asJson)
        {
            var output = new
            {
                mode = "mcp",
                endpoint = outcome.Endpoint.ToString(),
                mix = outcome.Mix,
                elapsedSeconds = outcome.Elapsed.TotalSeconds,
                interrupted = outcome.Interrupted,
                stoppedBy,
                completed = outcome.Completed,
                errors = outcome.Errors,
                callsPerSecond = outcome.CallsPerSecond,
                calls = outcome.Kinds.Select(k => new
                {
                    kind = k.Kind,
                    calls = k.Milliseconds.Length,
                    errors = k.Errors,
                    perSecond = k.Milliseconds.Length / Math.Max(outcome.Elapsed.TotalSeconds, 1e-9),
                    p50Milliseconds = k.Percentile(0.50),
                    p95Milliseconds = k.Percentile(0.95),
                    p99Milliseconds = k.Percentile(0.99),
                    maxMilliseconds = k.Percentile(1),
                    firstError = k.FirstError,
                }),
                server = outcome.Server is not { } figures ? null : new
                {
                    figures.Memories,
                    figures.PeakWorkingSetBytes,
                    figures.WorkingSetBytes,
                    figures.RecallsCached,
                    figures.RecallsComputed,
                    figures.Tools,
                },
                serverFailure = outcome.ServerFailure,
                targets,
                serverStatus = outcome.Server?.Status,
            };
            Console.WriteLine(JsonSerializer.Serialize(output, CliOptions.Json));
            return;
        }

        McpLoadMix mix = outcome.Mix;
        double seconds = Math.Max(outcome.Elapsed.TotalSeconds, 1e-9);
        Console.WriteLine(
            $"MCP load run: {mix.Clients} clients against {outcome.Endpoint} for {outcome.Elapsed.TotalSeconds:0.0} s"
            + $"{(outcome.Interrupted ? $", stopped by {stoppedBy ?? "a signal"}" : string.Empty)}.");
        Console.WriteLine(
            $"Mix: each client sends {mix.StatusEvery - 1} recalls of {mix.CachedQueries} cached query texts to 1 memory_status call, "
            + $"and {mix.UncachedPerSecond:0.##} recalls/s of new query texts are spread over the clients; k = {mix.K}.");
        Console.WriteLine();
        Console.WriteLine("Client-side latency, ms (Streamable HTTP, the C# SDK's client):");
        Console.WriteLine($"  {"call",-16} {"calls",9} {"errors",7} {"calls/s",9} {"p50",8} {"p95",8} {"p99",8} {"max",8}");
        foreach (McpCallFigures kind in outcome.Kinds)
        {
            Console.WriteLine(
                $"  {kind.Kind,-16} {kind.Milliseconds.Length,9:N0} {kind.Errors,7:N0} {kind.Milliseconds.Length / seconds,9:N1}"
                + $" {Ms(kind.Percentile(0.50)),8} {Ms(kind.Percentile(0.95)),8} {Ms(kind.Percentile(0.99)),8} {Ms(kind.Percentile(1)),8}");
        }

        Console.WriteLine($"  {"all",-16} {outcome.Completed,9:N0} {outcome.Errors,7:N0} {outcome.CallsPerSecond,9:N1}");
        foreach (McpCallFigures kind in outcome.Kinds.Where(k => k.FirstError is not null))
        {
            Console.WriteLine($"  first {kind.Kind} error: {kind.FirstError}");
        }

        Console.WriteLine();
        if (outcome.Server is { } server)
        {
            Console.WriteLine(
                $"Server (memory_status after the run): {server.Memories:N0} memories, peak working set {server.PeakWorkingSetBytes / 1048576.0:0.0} MiB"
                + $" (now {server.WorkingSetBytes / 1048576.0:0.0} MiB); during the run {server.RecallsCached:N0} recalls came from its cache and {server.RecallsComputed:N0} were computed.");
            Console.WriteLine("Server-side latency over its monitor's window, ms:");
            foreach (McpServerTool tool in server.Tools.Where(t => t.CallsInWindow > 0))
            {
                Console.WriteLine($"  {tool.Name,-16} {tool.CallsInWindow,9:N0} calls  p50 {Ms(tool.P50Milliseconds),8}  p95 {Ms(tool.P95Milliseconds),8}  p99 {Ms(tool.P99Milliseconds),8}  max {Ms(tool.MaxMilliseconds),8}");
            }
        }
        else
        {
            Console.WriteLine($"Server figures unavailable: {outcome.ServerFailure}");
        }

        Console.WriteLine();
        Console.WriteLine("Design targets (latencies and calls/s measured by the clients; working set by the server):");
        foreach (TargetCheck target in targets)
        {
            Console.WriteLine($"  {(target.Met ? "PASS" : "MISS")} {target.Name,-42} {Ms(target.Value),12} {target.Unit,-8} target {target.Comparison} {target.Threshold.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private static string Ms(double value) => double.IsNaN(value) ? "n/a" : value.ToString("0.###", CultureInfo.InvariantCulture);
}
