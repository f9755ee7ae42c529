using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using CortexHybrid.Caching;
using CortexHybrid.Metrics;
using CortexHybrid.Pooling;
using CortexHybrid.Search;
using CortexHybrid.Simd;
using Microsoft.Data.Sqlite;

namespace CortexHybrid.Memory.Vectors;

/// <summary>
/// The seed design's semantic memory: a <see cref="VectorIndex"/> searched through a
/// <see cref="QueryBatcher"/>, each hit's document fetched from SQLite over a
/// <see cref="ResourcePool{T}"/> of connections, whole responses kept in a <see cref="TieredCache"/>,
/// and every call timed by a <see cref="PerformanceMonitor"/>.
/// </summary>
/// <remarks>
/// <para>
/// One search: the monitor starts a request timer (<c>"search"</c>); the cache is asked for the
/// response under a hash of the query's bytes and k; on a miss the query goes to the batcher
/// (stage <c>"search"</c>), its hits' documents are read with one pooled connection (stage
/// <c>"fetch"</c>), and the response is stored. Stage <c>"cache"</c> is the time spent in the
/// cache itself: the lookup, and on a miss the store, without the search and fetch.
/// </para>
/// <para>
/// Failures are counted by category and rethrown: <c>"validation"</c> for
/// <see cref="ArgumentException"/>, <c>"timeout"</c> for <see cref="TimeoutException"/> (a
/// <see cref="PoolExhaustedException"/> among them), <c>"cancelled"</c> for
/// <see cref="OperationCanceledException"/>, <c>"internal"</c> for anything else.
/// </para>
/// <para>
/// The memory owns what it creates (pool, cache, batcher, monitor, and the temporary directory
/// when <see cref="VectorCorpusPipelineOptions.Directory"/> is null), not what it is given: the index
/// and a level 3 cache outlive it. The document store is a snapshot of the index's ids when the
/// memory was created.
/// </para>
/// </remarks>
public sealed class VectorCorpusPipeline : IAsyncDisposable
{
    /// <summary>The name of the SQLite file in the memory's directory.</summary>
    public const string DatabaseFileName = "cortex-documents.db";

    /// <summary>The operation name of search requests in the monitor.</summary>
    public const string SearchOperation = "search";

    /// <summary>The stage of time spent in the cache itself (lookup, and on a miss the store).</summary>
    public const string CacheStage = "cache";

    /// <summary>The stage of the index search through the batcher (on a miss).</summary>
    public const string SearchStage = "search";

    /// <summary>The stage of reading the hits' documents from SQLite (on a miss).</summary>
    public const string FetchStage = "fetch";

    /// <summary>The prefix of every cache key (then 32 hex digits of an XxHash128).</summary>
    public const string CacheKeyPrefix = "search:";

    private readonly TimeProvider _time;
    private readonly string? _ownedDirectory;
    private int _disposed;

    private VectorCorpusPipeline(
        VectorIndex index,
        PerformanceMonitor monitor,
        TieredCache cache,
        ResourcePool<SqliteConnection> pool,
        QueryBatcher batcher,
        string databasePath,
        string? ownedDirectory,
        TimeProvider time)
    {
        Index = index;
        Monitor = monitor;
        Cache = cache;
        Pool = pool;
        Batcher = batcher;
        DatabasePath = databasePath;
        _ownedDirectory = ownedDirectory;
        _time = time;
    }

    /// <summary>The index searched (not owned: disposing the memory leaves it open).</summary>
    public VectorIndex Index { get; }

    /// <summary>The monitor timing every call, with the pool, the cache and the index's kernel attached.</summary>
    public PerformanceMonitor Monitor { get; }

    /// <summary>The cache of whole responses (level 1 as configured, level 2 in process, level 3 as given).</summary>
    public TieredCache Cache { get; }

    /// <summary>The pool of read-only connections to <see cref="DatabasePath"/> (named <c>sqlite</c> in reports).</summary>
    public ResourcePool<SqliteConnection> Pool { get; }

    /// <summary>The batcher every uncached search goes through.</summary>
    public QueryBatcher Batcher { get; }

    /// <summary>The full path of the SQLite metadata file.</summary>
    public string DatabasePath { get; }

    /// <summary>
    /// Builds the document store for <paramref name="index"/> and starts the pool, cache, batcher
    /// and monitor around it.
    /// </summary>
    /// <param name="index">The vectors to search; not owned.</param>
    /// <param name="options">Where and how big; null for the defaults.</param>
    /// <param name="documents">
    /// The documents, one per id the index stores (others are ignored); null for
    /// <see cref="SyntheticCorpus.DocumentFor(long)"/> of each stored id.
    /// </param>
    /// <param name="cancellationToken">Cancels the build and the pool's warm-up.</param>
    /// <returns>The running memory; dispose it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="index"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="ArgumentException"><paramref name="documents"/> holds a null, an id twice, or lacks one the index stores.</exception>
    /// <exception cref="SqliteException">The database file cannot be written or opened.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>
    /// The store is one table <c>documents(id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL)</c>,
    /// written in one transaction with a prepared insert (100,000 rows in about a second). The ids
    /// come from one search of the whole index, which has no other way to list them.
    /// </remarks>
    public static async Task<VectorCorpusPipeline> CreateAsync(
        VectorIndex index,
        VectorCorpusPipelineOptions? options = null,
        IEnumerable<Document>? documents = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        options ??= new VectorCorpusPipelineOptions();
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        TimeProvider time = options.TimeProvider ?? TimeProvider.System;

        string? owned = null;
        string directory;
        if (options.Directory is null)
        {
            directory = owned = Path.Combine(Path.GetTempPath(), "cortex-memory-" + Guid.NewGuid().ToString("N"));
        }
        else
        {
            directory = Path.GetFullPath(options.Directory);
        }

        ResourcePool<SqliteConnection>? pool = null;
        TieredCache? cache = null;
        PerformanceMonitor? monitor = null;
        QueryBatcher? batcher = null;
        try
        {
            Directory.CreateDirectory(directory);
            string path = Path.Combine(directory, DatabaseFileName);
            DocumentStore.Build(path, index, documents, cancellationToken);
            pool = await ResourcePool<SqliteConnection>.CreateAsync(
                new SqliteConnectionFactory(DocumentStore.ReadOnlyConnectionString(path)),
                new ResourcePoolOptions
                {
                    MinSize = options.PoolMinSize,
                    MaxSize = options.PoolMaxSize,
                    AcquireTimeout = options.PoolAcquireTimeout,
                    Name = "sqlite",
                },
                time,
                cancellationToken).ConfigureAwait(false);
            cache = new TieredCache(
                new TieredCacheOptions
                {
                    L1MaxBytes = options.CacheSizeBytes,
                    L1Capacity = (int)Math.Clamp(options.CacheSizeBytes / 512, 1_000, 1_000_000),
                    DefaultTtl = options.CacheTtl,
                    Name = "search",
                },
                options.Level3,
                time);
            monitor = new PerformanceMonitor(options.Monitor, time);
            batcher = new QueryBatcher(index, options.MaxBatchSize, timeProvider: time);
            monitor.Attach(pool);
            monitor.Attach(cache, "search");
            if (KernelOf(index) is ISimilarityKernel kernel)
            {
                monitor.Attach(kernel);
            }

            return new VectorCorpusPipeline(index, monitor, cache, pool, batcher, path, owned, time);
        }
        catch
        {
            if (batcher is not null)
            {
                await batcher.DisposeAsync().ConfigureAwait(false);
            }

            monitor?.Dispose();
            cache?.Dispose();
            if (pool is not null)
            {
                await pool.DisposeAsync().ConfigureAwait(false);
            }

            if (owned is not null)
            {
                DeleteDirectory(owned);
            }

            throw;
        }
    }

    /// <summary>The <paramref name="k"/> stored vectors nearest to <paramref name="query"/>, with their documents; from the cache when it holds them.</summary>
    /// <param name="query"><see cref="VectorIndex.Dimension"/> finite floats; not modified, and not kept.</param>
    /// <param name="k">How many hits, at least 1 (fewer when the index holds fewer).</param>
    /// <param name="cancellationToken">Cancels this caller's wait; a search other callers share goes on for them.</param>
    /// <returns>The hits, best first, exactly as <see cref="VectorIndex.Search(System.ReadOnlySpan{float}, int)"/> ranks and scores them, and whether the cache served them.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is null.</exception>
    /// <exception cref="ArgumentException">The query's length is not the index's dimension, or it holds a NaN or an infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is below 1.</exception>
    /// <exception cref="PoolExhaustedException">No connection was free within <see cref="VectorCorpusPipelineOptions.PoolAcquireTimeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The memory is disposed.</exception>
    public async Task<SearchResponse> SearchAsync(float[] query, int k, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        RequestTimer timer = Monitor.StartRequest(SearchOperation);
        try
        {
            ArgumentNullException.ThrowIfNull(query);
            Validate(query, k, Index.Dimension);
            cancellationToken.ThrowIfCancellationRequested();

            var miss = new Miss(this, query, k);
            long start = _time.GetTimestamp();
            byte[] cached = await Cache.GetOrCreateAsync(CacheKey(query, k), miss.RunAsync, options: null, cancellationToken).ConfigureAwait(false);
            TimeSpan inCache = _time.GetElapsedTime(start) - miss.Elapsed;
            Monitor.RecordStage(CacheStage, inCache < TimeSpan.Zero ? TimeSpan.Zero : inCache);

            // A miss run by this call returns the hits it made; anything else comes from the cache's bytes.
            SearchResponse response = miss.Hits is SearchHit[] made
                ? new SearchResponse(made, FromCache: false)
                : new SearchResponse(
                    JsonSerializer.Deserialize(cached, PipelineJsonContext.Default.SearchHitArray)
                        ?? throw new JsonException("A cached search response is null."),
                    FromCache: true);
            timer.Dispose();
            return response;
        }
        catch (OperationCanceledException)
        {
            timer.Fail("cancelled");
            throw;
        }
        catch (TimeoutException)
        {
            timer.Fail("timeout");
            throw;
        }
        catch (ArgumentException)
        {
            timer.Fail("validation");
            throw;
        }
        catch (Exception)
        {
            timer.Fail("internal");
            throw;
        }
    }

    /// <summary>The seed's status call: the monitor's snapshot (latency, throughput, errors, stages, cache, pool, kernel, health).</summary>
    /// <returns>The snapshot; microseconds to take.</returns>
    public PerformanceSnapshot Status() => Monitor.GetSnapshot();

    /// <summary>
    /// Stops the batcher (queued searches are answered first), then disposes the pool, the cache
    /// and the monitor, and deletes the temporary directory if the memory made one. The index and
    /// a given level 3 cache are left open. A second call does nothing.
    /// </summary>
    /// <returns>A task that completes when everything is released.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Batcher.DisposeAsync().ConfigureAwait(false);
        await Pool.DisposeAsync().ConfigureAwait(false);
        Cache.Dispose();
        Monitor.Dispose();
        if (_ownedDirectory is not null)
        {
            DeleteDirectory(_ownedDirectory);
        }
    }

    /// <summary>The cache key of a query and k: <see cref="CacheKeyPrefix"/> and the XxHash128 of the query's bytes, seeded with k, in hex.</summary>
    /// <param name="query">The query.</param>
    /// <param name="k">The number of hits.</param>
    /// <returns>The key.</returns>
    public static string CacheKey(ReadOnlySpan<float> query, int k)
    {
        UInt128 hash = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(query), seed: k);
        return string.Create(null, stackalloc char[64], $"{CacheKeyPrefix}{hash:x32}");
    }

    private static void Validate(float[] query, int k, int dimension)
    {
        if (query.Length != dimension)
        {
            throw new ArgumentException($"The query has {query.Length} floats; the index's dimension is {dimension}.", nameof(query));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        for (int i = 0; i < query.Length; i++)
        {
            if (!float.IsFinite(query[i]))
            {
                throw new ArgumentException($"The query holds {query[i]} at element {i}: queries must be finite.", nameof(query));
            }
        }
    }

    /// <summary>
    /// The kernel the index scores with, for the monitor's reports: the one of
    /// <see cref="SimilarityKernels"/> whose description matches; null for a kernel of the caller's own.
    /// </summary>
    private static ISimilarityKernel? KernelOf(VectorIndex index)
    {
        ISimilarityKernel? preferred = null;
        try
        {
            preferred = SimilarityKernels.Default;
        }
        catch (InvalidOperationException)
        {
            // A forced CORTEX_KERNEL that cannot load: the index was built with another kernel.
        }

        foreach (ISimilarityKernel? kernel in (ReadOnlySpan<ISimilarityKernel?>)[preferred, SimilarityKernels.Native, SimilarityKernels.Managed, SimilarityKernels.Scalar])
        {
            if (kernel is not null && string.Equals(kernel.Description, index.KernelDescription, StringComparison.Ordinal))
            {
                return kernel;
            }
        }

        return null;
    }

    private static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
            // Best effort: a file still open elsewhere leaves a temporary directory behind, nothing worse.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// The work of a cache miss for one call: search, fetch, serialize. The cache runs it at most
    /// once, and only for the call whose key it was the first to miss; the call then returns
    /// <see cref="Hits"/> rather than decoding the bytes it just made.
    /// </summary>
    private sealed class Miss(VectorCorpusPipeline memory, float[] query, int k)
    {
        /// <summary>The hits made, once the cache has run this miss; null when it did not.</summary>
        public SearchHit[]? Hits { get; private set; }

        /// <summary>How long the search, fetch and serialization took (zero when the miss did not run).</summary>
        public TimeSpan Elapsed { get; private set; }

        public async ValueTask<byte[]> RunAsync(CancellationToken cancellationToken)
        {
            TimeProvider time = memory._time;
            long start = time.GetTimestamp();
            SearchResult[] results = await memory.Batcher.SearchAsync(query, k, cancellationToken).ConfigureAwait(false);
            long searched = time.GetTimestamp();
            memory.Monitor.RecordStage(SearchStage, time.GetElapsedTime(start, searched));

            SearchHit[] hits;
            PooledResource<SqliteConnection> lease = await memory.Pool.AcquireAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                hits = DocumentStore.Fetch(lease.Value, results, cancellationToken);
            }
            catch (SqliteException)
            {
                // A failed read of a read-only file: the connection is suspect, so it is replaced.
                lease.MarkBroken();
                throw;
            }
            finally
            {
                await lease.DisposeAsync().ConfigureAwait(false);
            }

            long fetched = time.GetTimestamp();
            memory.Monitor.RecordStage(FetchStage, time.GetElapsedTime(searched, fetched));
            byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(hits, PipelineJsonContext.Default.SearchHitArray);
            Elapsed = time.GetElapsedTime(start);
            Hits = hits;
            return bytes;
        }
    }
}
