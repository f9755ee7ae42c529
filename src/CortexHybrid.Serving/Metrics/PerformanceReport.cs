using System.Globalization;
using System.Text;

namespace CortexHybrid.Metrics;

/// <summary>The text form of a <see cref="PerformanceSnapshot"/>.</summary>
internal static class PerformanceReport
{
    public static string Text(PerformanceSnapshot s)
    {
        var text = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"Performance report at {s.Timestamp:u} (up {s.Uptime:d\\.hh\\:mm\\:ss}, window {s.Window.TotalSeconds:0} s)");
        text.AppendLine(c, $"Health score: {s.HealthScore:0.00}");
        text.AppendLine();
        text.AppendLine("Response times (ms)             count      mean       p50       p95       p99       min       max");
        foreach (OperationLatency o in s.ResponseTimes)
        {
            Latency(text, c, $"  {o.Name} (window)", o.Window);
            Latency(text, c, $"  {o.Name} (since start)", o.SinceStart);
        }

        ThroughputFigures t = s.Throughput;
        text.AppendLine();
        text.AppendLine(c, $"Throughput: {t.RequestsLastSecond:N0} in the last second, {t.RequestsLastMinute:N0} in the last minute ({t.RequestsPerSecond:N1}/s), peak {t.PeakRequestsPerSecond:N0}/s, total {t.TotalRequests:N0}");
        text.AppendLine(c, $"Errors: {s.Errors.TotalErrors:N0} in total, {s.Errors.ErrorRate:P2} of requests in the window");
        foreach (ErrorCategoryFigures e in s.Errors.Categories)
        {
            text.AppendLine(c, $"  {e.Category}: {e.Total:N0} in total, {e.InWindow:N0} in the window ({e.Rate:P2})");
        }

        if (s.Stages.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Stages (ms)                     count      mean       p50       p95       p99       min       max");
            foreach (OperationLatency o in s.Stages)
            {
                Latency(text, c, $"  {o.Name}", o.SinceStart);
            }
        }

        if (s.Spans.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Spans by total time (ms)        count     total      mean       min       max");
            foreach (SpanFigures span in s.Spans)
            {
                text.AppendLine(c, $"  {span.Name,-28}{span.Count,7:N0}{span.TotalMilliseconds,10:0.###}{span.MeanMilliseconds,10:0.###}{span.MinMilliseconds,10:0.###}{span.MaxMilliseconds,10:0.###}");
            }
        }

        ResourceUsage r = s.ResourceUsage;
        text.AppendLine();
        text.AppendLine(c, $"Process: working set {r.WorkingSetBytes / 1048576.0:N1} MiB (peak {r.PeakWorkingSetBytes / 1048576.0:N1}), CPU {r.CpuPercent:N1}%, GC heap {r.GcHeapBytes / 1048576.0:N1} MiB, collections {string.Join("/", r.GcCollections)}, thread pool {r.ThreadPoolThreads} threads and {r.ThreadPoolQueueLength:N0} queued");
        text.AppendLine(c, $"Memory check: heap grew {r.MemoryGrowthBytes / 1048576.0:N1} MiB over the last interval{(r.MemoryGrowthFlagged ? " — above the threshold: possible leak" : "")}");
        foreach ((string name, Caching.CacheStatistics cache) in s.Cache)
        {
            text.AppendLine(c, $"Cache {name}: hit rate {cache.HitRate:P1} (L1 {cache.L1Hits:N0}, L2 {cache.L2Hits:N0}, L3 {cache.L3Hits:N0}, misses {cache.Misses:N0}), entries {cache.L1Count:N0}/{cache.L2Count:N0}/{cache.L3Count:N0}, {cache.SizeBytes / 1048576.0:N1} MiB, compression {cache.CompressionRatio:N2}x, level 3 errors {cache.Level3Errors:N0}");
        }

        foreach ((string name, Pooling.PoolStatistics pool) in s.Pool)
        {
            text.AppendLine(c, $"Pool {name}: {pool.Active} active, {pool.Idle} idle, {pool.Waiting} waiting (max {pool.MaxSize}, peak {pool.PeakSize}), {pool.SuccessfulAcquisitions:N0} acquired, {pool.FailedAcquisitions:N0} failed, mean wait {pool.AverageWaitTime.TotalMilliseconds:N2} ms, utilization {pool.UtilizationRate:P0}");
        }

        foreach (string kernel in s.Kernels)
        {
            text.AppendLine(c, $"Kernel: {kernel}");
        }

        return text.ToString();
    }

    private static void Latency(StringBuilder text, CultureInfo c, string label, LatencyDistribution d) =>
        text.AppendLine(c, $"{label,-30}{d.Count,7:N0}{d.MeanMilliseconds,10:0.###}{d.P50Milliseconds,10:0.###}{d.P95Milliseconds,10:0.###}{d.P99Milliseconds,10:0.###}{d.MinMilliseconds,10:0.###}{d.MaxMilliseconds,10:0.###}");
}
