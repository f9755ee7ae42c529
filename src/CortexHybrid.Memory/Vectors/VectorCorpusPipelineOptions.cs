using CortexHybrid.Metrics;
using Microsoft.Extensions.Caching.Distributed;

namespace CortexHybrid.Memory.Vectors;

/// <summary>Where <see cref="VectorCorpusPipeline"/> keeps its documents and how its pool, cache, batcher and monitor are sized.</summary>
public sealed class VectorCorpusPipelineOptions
{
    /// <summary>
    /// The directory of the SQLite metadata file (<see cref="VectorCorpusPipeline.DatabaseFileName"/>),
    /// created if missing; a file of that name already there is replaced, and is kept after
    /// disposal. Null (the default): a new temporary directory, deleted when the memory is disposed.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>Connections the pool opens at start and keeps open; from 0 to <see cref="PoolMaxSize"/>. Default 2.</summary>
    public int PoolMinSize { get; set; } = 2;

    /// <summary>The most connections open at once; at least 1. Default 16.</summary>
    public int PoolMaxSize { get; set; } = 16;

    /// <summary>How long a search waits for a free connection before it fails with a <see cref="CortexHybrid.Pooling.PoolExhaustedException"/>. Positive; default 30 s.</summary>
    public TimeSpan PoolAcquireTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The byte budget of the cache's level 1 (<see cref="CortexHybrid.Caching.TieredCacheOptions.L1MaxBytes"/>);
    /// its entry capacity is derived from it (one entry per 512 bytes, from 1,000 to 1,000,000). At least 1; default 64 MiB.
    /// </summary>
    public long CacheSizeBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>How long a cached response lives. Positive; default 10 minutes.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The cache's level 3 (a Redis cache, for example); not disposed by the memory. Null: the
    /// <see cref="CortexHybrid.Caching.TieredCache"/> default (in process). Keys depend on the
    /// query and k only, so share one level 3 only between memories over the same corpus and documents.
    /// </summary>
    public IDistributedCache? Level3 { get; set; }

    /// <summary>Queries the <see cref="CortexHybrid.Search.QueryBatcher"/> scores per pass over the rows; from 1 to 256. Default 16.</summary>
    public int MaxBatchSize { get; set; } = 16;

    /// <summary>The monitor's windows and targets; null for <see cref="PerformanceMonitorOptions"/>' defaults.</summary>
    public PerformanceMonitorOptions? Monitor { get; set; }

    /// <summary>The clock of the pool, cache, batcher, monitor and stage timings; null for <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>Throws when an option is out of range, naming it.</summary>
    internal void Validate()
    {
        if (PoolMaxSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(PoolMaxSize), PoolMaxSize, "PoolMaxSize must be at least 1.");
        }

        if (PoolMinSize < 0 || PoolMinSize > PoolMaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(PoolMinSize), PoolMinSize, $"PoolMinSize must be from 0 to PoolMaxSize ({PoolMaxSize}).");
        }

        if (PoolAcquireTimeout <= TimeSpan.Zero && PoolAcquireTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(PoolAcquireTimeout), PoolAcquireTimeout, "PoolAcquireTimeout must be positive, or Timeout.InfiniteTimeSpan.");
        }

        if (CacheSizeBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(CacheSizeBytes), CacheSizeBytes, "CacheSizeBytes must be at least 1.");
        }

        if (CacheTtl <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CacheTtl), CacheTtl, "CacheTtl must be positive.");
        }

        if (MaxBatchSize is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, "MaxBatchSize must be from 1 to 256.");
        }
    }
}
