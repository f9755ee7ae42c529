using System.Text.Json;

namespace CortexHybrid.Cli;

/// <summary>What <c>cortex load --mcp</c> measured: per kind of call on the client side, and the server's own figures at the end.</summary>
/// <param name="Endpoint">The MCP endpoint driven.</param>
/// <param name="Mix">The mix the clients ran.</param>
/// <param name="Elapsed">How long the measured phase ran (after connecting and warming the cache).</param>
/// <param name="Interrupted">Whether a signal stopped the run early.</param>
/// <param name="Kinds">Figures per kind of call, in the order of <see cref="McpCallKind.All"/>.</param>
/// <param name="Server">The server's figures from <c>memory_status</c> at the end; null when that call failed.</param>
/// <param name="ServerFailure">Why the final <c>memory_status</c> failed; null when it did not.</param>
internal sealed record McpLoadResult(
    Uri Endpoint,
    McpLoadMix Mix,
    TimeSpan Elapsed,
    bool Interrupted,
    IReadOnlyList<McpCallFigures> Kinds,
    McpServerFigures? Server,
    string? ServerFailure)
{
    /// <summary>Tool calls answered without an error during the measured phase.</summary>
    public long Completed => Kinds.Sum(k => (long)k.Milliseconds.Length);

    /// <summary>Tool calls that failed (an error result, an exception, or unfinished when the run was cut short).</summary>
    public long Errors => Kinds.Sum(k => k.Errors);

    /// <summary>Answered tool calls per second over the measured phase.</summary>
    public double CallsPerSecond => Completed / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>The figures of one kind of call.</summary>
    public McpCallFigures Kind(string name) => Kinds.First(k => k.Kind == name);

    /// <summary>The design's targets against what was measured (client-side latencies; the server's working set).</summary>
    public IReadOnlyList<TargetCheck> Targets() =>
    [
        new("cached recall p95", Kind(McpCallKind.CachedRecall).P95, "ms", "<", 50),
        new($"uncached recall p95 at {Mix.UncachedPerSecond:0.##}/s", Kind(McpCallKind.UncachedRecall).P95, "ms", "<", 200),
        new("memory_status p95", Kind(McpCallKind.Status).P95, "ms", "<", 10),
        new("tool calls per second", CallsPerSecond, "calls/s", ">", 1000),
        new(
            $"server peak working set ({(Server is null ? "unknown" : $"{Server.Memories:N0}")} memories)",
            Server is null ? double.NaN : Server.PeakWorkingSetBytes / (1024.0 * 1024.0),
            "MiB",
            "<",
            512),
    ];
}

/// <summary>What the clients of <c>cortex load --mcp</c> send.</summary>
/// <param name="Clients">Concurrent MCP clients, one connection each.</param>
/// <param name="CachedQueries">Distinct query texts recalled once before the run, then repeated (served from the server's cache).</param>
/// <param name="StatusEvery">Each client's every n-th call is <c>memory_status</c>; the others are cached recalls.</param>
/// <param name="UncachedPerSecond">Recalls of query texts never sent before (the model runs), paced across all clients; 0 for none.</param>
/// <param name="K">The <c>k</c> of every recall.</param>
internal sealed record McpLoadMix(int Clients, int CachedQueries, int StatusEvery, double UncachedPerSecond, int K);

/// <summary>The kinds of call <c>cortex load --mcp</c> makes, named as the server's monitor names them.</summary>
internal static class McpCallKind
{
    public const string CachedRecall = "recall.cached";
    public const string UncachedRecall = "recall.uncached";
    public const string Status = "memory_status";

    public static IReadOnlyList<string> All { get; } = [CachedRecall, UncachedRecall, Status];
}

/// <summary>One kind of call's client-side figures.</summary>
/// <param name="Kind">The kind (<see cref="McpCallKind"/>).</param>
/// <param name="Milliseconds">The latency of every call answered without an error.</param>
/// <param name="Errors">Calls that failed.</param>
/// <param name="FirstError">The first failure's message; null for none.</param>
internal sealed record McpCallFigures(string Kind, double[] Milliseconds, long Errors, string? FirstError)
{
    /// <summary>The 95th percentile latency; NaN with no calls (a target over it is then missed, not met by default).</summary>
    public double P95 => Percentile(0.95);

    /// <summary>A percentile of the latencies (nearest rank); NaN with no calls.</summary>
    public double Percentile(double fraction) => Milliseconds.Length == 0 ? double.NaN : LoadResult.Percentile(Milliseconds, fraction);
}

/// <summary>The server's figures from its <c>memory_status</c> at the end of the run.</summary>
/// <param name="Memories">Memories stored.</param>
/// <param name="PeakWorkingSetBytes">The server process's peak working set.</param>
/// <param name="WorkingSetBytes">The server process's working set then.</param>
/// <param name="RecallsCached">Recalls the server answered from its cache during the measured phase.</param>
/// <param name="RecallsComputed">Recalls the server computed during the measured phase.</param>
/// <param name="Tools">The server's latency per operation over its monitor's window.</param>
/// <param name="Status">The whole <c>memory_status</c> result.</param>
internal sealed record McpServerFigures(
    long Memories,
    long PeakWorkingSetBytes,
    long WorkingSetBytes,
    long RecallsCached,
    long RecallsComputed,
    IReadOnlyList<McpServerTool> Tools,
    JsonElement Status);

/// <summary>One operation's latency as the server measured it, over its monitor's window.</summary>
internal sealed record McpServerTool(string Name, long Calls, long CallsInWindow, double P50Milliseconds, double P95Milliseconds, double P99Milliseconds, double MaxMilliseconds);
