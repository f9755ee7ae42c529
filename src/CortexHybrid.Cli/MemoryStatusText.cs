using System.Globalization;
using CortexHybrid.Memory;

namespace CortexHybrid.Cli;

/// <summary>The figures of <c>memory_status</c> (<see cref="SemanticMemory.GetStatus"/>) as lines of text.</summary>
internal static class MemoryStatusText
{
    private static string IndexStorage(IndexStatus index) => index.Storage switch
    {
        "Float32" => "float32 (exact)",
        _ when index.ExactScores => $"{index.Storage.ToLowerInvariant()} scan, best {index.Oversample} x k rescored in float32 (exact scores)",
        _ => $"{index.Storage.ToLowerInvariant()} only (scores are quantized estimates)",
    };

    public static IEnumerable<string> Lines(MemoryStatus status)
    {
        yield return "Memory status (memory_status):";
        yield return $"  memories         {status.Memories:N0} in {status.Store}";
        yield return $"  model            {status.Model.Id}, {status.Model.Dimensions} dimensions";
        yield return $"  index            {status.Index.Rows:N0} rows, {Mebibytes(status.Index.MemoryBytes)}, {status.Index.Kernel}";
        yield return $"  index storage    {IndexStorage(status.Index)}";
        if (status.Index.SignPrefilter > 0)
        {
            yield return $"  index prefilter  signs first, best {status.Index.SignPrefilter} x k searched (approximate)";
        }

        yield return $"  uptime           {status.UptimeSeconds:0.0} s";
        yield return $"  {"operation",-18}{"calls",8}{"p50 ms",10}{"p95 ms",10}{"p99 ms",10}{"max ms",10}";
        foreach (ToolFigures tool in status.Tools.Where(t => t.Calls > 0))
        {
            yield return $"  {tool.Name,-18}{tool.Calls,8:N0}{Milliseconds(tool.P50Milliseconds),10}{Milliseconds(tool.P95Milliseconds),10}{Milliseconds(tool.P99Milliseconds),10}{Milliseconds(tool.MaxMilliseconds),10}";
        }

        MemoryCacheFigures cache = status.Cache;
        yield return $"  cache            recalls {cache.RecallsCached:N0} from the cache, {cache.RecallsComputed:N0} computed; query embeddings {cache.QueryEmbeddingsReused:N0} reused, {cache.QueryEmbeddingsComputed:N0} computed";
        yield return $"                   hit rate {cache.HitRate * 100:0}% over all reads; {cache.Entries:N0} entries, {Kibibytes(cache.Bytes)} in process";
        yield return $"  errors           {(status.Errors.Count == 0 ? "none" : string.Join(", ", status.Errors.Select(e => $"{e.Category} {e.Total:N0}")))}";
        yield return $"  health score     {status.HealthScore:0.00}";
        yield return $"  working set      {Mebibytes(status.WorkingSetBytes)} (peak {Mebibytes(status.PeakWorkingSetBytes)})";
        yield return "  targets:";
        foreach (TargetFigure target in status.Targets)
        {
            string measured = target.Measured is double value ? $"{Number(value)} {target.Unit}" : "not measured";
            string verdict = target.Met switch { true => "met", false => "not met", null => string.Empty };
            yield return $"    {target.Name,-26}{target.Target,-22}{measured,-18}{verdict}";
        }
    }

    private static string Milliseconds(double value) => value.ToString(value < 10 ? "0.000" : "0.0", CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString(value < 10 ? "0.000" : value < 1000 ? "0.0" : "N0", CultureInfo.InvariantCulture);

    private static string Mebibytes(long bytes) => $"{bytes / 1048576.0:0.0} MiB";

    private static string Kibibytes(long bytes) => $"{bytes / 1024.0:N0} KiB";
}
