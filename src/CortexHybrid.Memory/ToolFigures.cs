namespace CortexHybrid.Memory;

/// <summary>One operation's calls and latency over the monitor's window, in milliseconds.</summary>
/// <param name="Name">The operation (an MCP tool, or recall split into cached and uncached).</param>
/// <param name="Calls">Calls since start.</param>
/// <param name="CallsInWindow">Calls in the window.</param>
/// <param name="P50Milliseconds">Median latency in the window.</param>
/// <param name="P95Milliseconds">95th percentile latency in the window.</param>
/// <param name="P99Milliseconds">99th percentile latency in the window.</param>
/// <param name="MaxMilliseconds">Slowest call in the window.</param>
public sealed record ToolFigures(string Name, long Calls, long CallsInWindow, double P50Milliseconds, double P95Milliseconds, double P99Milliseconds, double MaxMilliseconds);
