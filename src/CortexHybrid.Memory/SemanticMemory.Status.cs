using CortexHybrid.Caching;
using CortexHybrid.Metrics;
using CortexHybrid.Search;

namespace CortexHybrid.Memory;

/// <summary>Listing, counting and the status snapshot.</summary>
public sealed partial class SemanticMemory
{
    /// <summary>The most recently remembered memories, newest first.</summary>
    /// <param name="limit">How many at most, 1 to <see cref="SemanticMemoryOptions.MaxList"/>; default 20.</param>
    /// <param name="tag">Only memories carrying this tag; null for all.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The memories.</returns>
    /// <exception cref="InvalidMemoryInputException">The limit or the tag is out of range.</exception>
    /// <exception cref="InvalidOperationException">The memory is not open.</exception>
    /// <exception cref="ObjectDisposedException">The memory is disposed.</exception>
    public async Task<IReadOnlyList<MemoryRecord>> ListRecentAsync(int limit = 20, string? tag = null, CancellationToken cancellationToken = default)
    {
        OpenIndex();
        using RequestTimer timer = _monitor.StartRequest(ListOperation);
        try
        {
            int count = _rules.Count(limit, _options.MaxList, "limit");
            string? only = tag is null ? null : _rules.Tags([tag], "tag")[0];
            return await _store.ListRecentAsync(count, only, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            timer.Fail(FailureCategory(exception, cancellationToken));
            throw;
        }
    }

    /// <summary>How many memories there are, or how many carry <paramref name="tag"/>.</summary>
    /// <param name="tag">A tag; null for all (answered from memory, without reading the store).</param>
    /// <param name="cancellationToken">Cancels the count.</param>
    /// <returns>The count.</returns>
    /// <exception cref="InvalidMemoryInputException">The tag is out of range.</exception>
    /// <exception cref="InvalidOperationException">The memory is not open.</exception>
    /// <exception cref="ObjectDisposedException">The memory is disposed.</exception>
    public async Task<long> CountAsync(string? tag = null, CancellationToken cancellationToken = default)
    {
        OpenIndex();
        if (tag is null)
        {
            return Volatile.Read(ref _count);
        }

        return await _store.CountAsync(_rules.Tags([tag], "tag")[0], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// What the memory holds and how fast it answers: counts, model, store, latency percentiles
    /// per operation, cache figures, errors, the health score, and the performance guide's
    /// targets each with its measured value. Reads only in-process figures: microseconds.
    /// </summary>
    /// <returns>The snapshot.</returns>
    /// <exception cref="InvalidOperationException">The memory is not open.</exception>
    /// <exception cref="ObjectDisposedException">The memory is disposed.</exception>
    public MemoryStatus GetStatus()
    {
        VectorIndex index = OpenIndex();
        using RequestTimer timer = _monitor.StartRequest(StatusOperation);
        PerformanceSnapshot snapshot = _monitor.GetSnapshot();
        CacheStatistics cache = _cache.GetStatistics();
        var tools = snapshot.ResponseTimes
            .Select(o => new ToolFigures(o.Name, o.SinceStart.Count, o.Window.Count, o.Window.P50Milliseconds, o.Window.P95Milliseconds, o.Window.P99Milliseconds, o.Window.MaxMilliseconds))
            .ToList();
        return new MemoryStatus
        {
            Memories = Volatile.Read(ref _count),
            Model = _model,
            Store = _store.Description,
            Index = new IndexStatus(index.Count, index.MemoryBytes, index.KernelDescription, index.Storage.ToString(), index.Oversample, index.ExactScores, index.SignPrefilter),
            UptimeSeconds = _time.GetElapsedTime(_openedAt).TotalSeconds,
            Tools = tools,
            Cache = new MemoryCacheFigures(
                Interlocked.Read(ref _recallsCached),
                Interlocked.Read(ref _recallsComputed),
                Interlocked.Read(ref _embeddingsReused),
                Interlocked.Read(ref _embeddingsComputed),
                cache.HitRate,
                cache.L1Count + cache.L2Count,
                cache.SizeBytes),
            Errors = snapshot.Errors.Categories,
            HealthScore = snapshot.HealthScore,
            Targets = Targets(tools, snapshot),
            WorkingSetBytes = snapshot.ResourceUsage.WorkingSetBytes,
            PeakWorkingSetBytes = snapshot.ResourceUsage.PeakWorkingSetBytes,
        };
    }

    /// <summary>The performance guide's targets: query tools under 50 ms cached and 200 ms uncached, status under 10 ms, over 1,000 requests/s, under 512 MB.</summary>
    private static List<TargetFigure> Targets(List<ToolFigures> tools, PerformanceSnapshot snapshot)
    {
        TargetFigure Latency(string name, string operation, double limit)
        {
            ToolFigures? figures = tools.Find(t => t.Name == operation);
            double? p95 = figures is { CallsInWindow: > 0 } ? figures.P95Milliseconds : null;
            return new TargetFigure(name, $"< {limit} ms", p95, "ms", p95 is double value ? value < limit : null);
        }

        long peak = snapshot.Throughput.PeakRequestsPerSecond;
        double workingSetMiB = snapshot.ResourceUsage.PeakWorkingSetBytes / 1048576.0;
        return
        [
            Latency("cached recall p95", CachedRecallOperation, 50),
            Latency("uncached recall p95", UncachedRecallOperation, 200),
            Latency("memory_status p95", StatusOperation, 10),
            new TargetFigure("peak requests per second", "> 1,000 requests/s", peak == 0 ? null : peak, "requests/s", peak == 0 ? null : peak > 1000),
            new TargetFigure("peak working set", "< 512 MiB", workingSetMiB, "MiB", workingSetMiB < 512),
        ];
    }
}
