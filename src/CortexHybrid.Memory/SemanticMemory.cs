using CortexHybrid.Caching;
using CortexHybrid.Memory.Stores;
using CortexHybrid.Metrics;
using CortexHybrid.Search;
using CortexHybrid.Simd;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CortexHybrid.Memory;

/// <summary>
/// A semantic memory: texts remembered with tags and metadata, recalled by meaning, forgotten by
/// id. Texts and their embeddings live in an <see cref="IMemoryStore"/> (the store of record); an
/// exact in-memory <see cref="VectorIndex"/> is rebuilt from it when the memory opens and kept in
/// step with every write; recalls are cached in a <see cref="TieredCache"/> and every call is timed
/// by a <see cref="PerformanceMonitor"/>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Remember</b>: the input is validated (<see cref="InvalidMemoryInputException"/>, nothing
/// stored); a text already stored returns its id without running the model; otherwise the text is
/// embedded, written to the store (durable when the call returns) and added to the index.
/// <b>Recall</b>: the query's embedding comes from the cache or the model, the index is searched
/// exactly (among the memories carrying every given tag, when tags are given), hits under the
/// minimum score are dropped, and the hits' texts come from the store. The response is cached
/// under the normalized query, k, tags and minimum score, and under the memory's generation, which
/// every remember and forget advances: a write makes every earlier response unreachable at once.
/// </para>
/// <para>
/// <b>Replicas</b>: over a store shared by several instances (one that is also an
/// <see cref="IMemoryChangeFeed"/>), each instance's index is a replica kept in step by the store's
/// change feed: a memory another instance remembers is added (its vector read from the store), one
/// it forgets removed, and applying either advances the generation, so no instance serves a cached
/// response from before it. See <see cref="AppliedChangeSequence"/>.
/// </para>
/// <para>
/// Writes (the store write and the index update) are serialized; embedding runs outside that, on
/// as many threads as the generator allows. Reads run concurrently with everything.
/// </para>
/// <para>
/// Operations are recorded in the monitor as <c>remember</c>, <c>recall.cached</c>,
/// <c>recall.uncached</c>, <c>forget</c>, <c>forget_tagged</c>, <c>list_memories</c> and <c>memory_status</c> (the MCP
/// tools' names), with stages <c>embed</c>, <c>filter</c>, <c>search</c>, <c>fetch</c> and
/// <c>store</c>; failures by category: <c>validation</c>, <c>not_found</c>, <c>timeout</c>,
/// <c>cancelled</c>, <c>internal</c>.
/// </para>
/// <para>
/// The memory owns the index, the batcher, and the cache and monitor it creates when none are
/// given; it does not own the store, the embedding generator, or a cache or monitor it is given.
/// </para>
/// </remarks>
public sealed partial class SemanticMemory : IAsyncDisposable
{
    /// <summary>The monitor's operation name of <see cref="RememberAsync"/>.</summary>
    public const string RememberOperation = "remember";

    /// <summary>The monitor's operation name of a recall answered from the cache.</summary>
    public const string CachedRecallOperation = "recall.cached";

    /// <summary>The monitor's operation name of a recall computed (embedding, search, fetch).</summary>
    public const string UncachedRecallOperation = "recall.uncached";

    /// <summary>The monitor's operation name of <see cref="ForgetAsync"/>.</summary>
    public const string ForgetOperation = "forget";

    /// <summary>The monitor's operation name of <see cref="ForgetTaggedAsync"/>.</summary>
    public const string ForgetTaggedOperation = "forget_tagged";

    /// <summary>The monitor's operation name of <see cref="ListRecentAsync"/>.</summary>
    public const string ListOperation = "list_memories";

    /// <summary>The monitor's operation name of <see cref="GetStatus"/>.</summary>
    public const string StatusOperation = "memory_status";

    /// <summary>The error category of rejected input.</summary>
    public const string ValidationCategory = "validation";

    /// <summary>The error category of a forget (or other call) naming an id no memory has.</summary>
    public const string NotFoundCategory = "not_found";

    /// <summary>
    /// The error categories that are a client's mistakes rather than the memory's failures: counted
    /// and reported, and left out of a monitor's health score (<see cref="PerformanceMonitorOptions.HealthIgnoredErrorCategories"/>):
    /// validation, not_found, cancelled, and what a server in front refuses (protocol, authentication, origin, too_large).
    /// </summary>
    public static IReadOnlyList<string> ClientErrorCategories { get; } = [ValidationCategory, NotFoundCategory, "cancelled", "protocol", "authentication", "origin", "too_large"];

    private const string EmbedStage = "embed";
    private const string FilterStage = "filter";
    private const string SearchStage = "search";
    private const string FetchStage = "fetch";
    private const string StoreStage = "store";

    private readonly IMemoryStore _store;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embeddings;
    private readonly SemanticMemoryOptions _options;
    private readonly MemoryRules _rules;
    private readonly TieredCache _cache;
    private readonly TieredCache _embeddingCache;
    private readonly bool _ownsCache;
    private readonly PerformanceMonitor _monitor;
    private readonly bool _ownsMonitor;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ISimilarityKernel _kernel;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly EmbeddingModel _model;
    private readonly bool _foldCase;

    private VectorIndex? _index;
    private QueryBatcher? _batcher;
    private long _openedAt;
    private long _count;
    private long _generation;
    private long _recallsCached;
    private long _recallsComputed;
    private long _embeddingsReused;
    private long _embeddingsComputed;
    private int _state; // 0 new, 1 opening, 2 open, 3 disposed

    /// <summary>Creates a memory over a store and an embedding generator; call <see cref="OpenAsync"/> before using it.</summary>
    /// <param name="store">The store of record; not owned (dispose it after the memory).</param>
    /// <param name="embeddings">Embeds texts; its metadata's model id and dimensions are what the store records. Not owned.</param>
    /// <param name="options">Limits and cache lifetimes; null for the defaults. Copied.</param>
    /// <param name="cache">The cache for recall responses and query embeddings; null for one of the memory's own (64 MiB in level 1, 32 MiB compressed in level 2, no level 3).</param>
    /// <param name="monitor">The monitor every call is timed by; null for one of the memory's own.</param>
    /// <param name="logger">Where opening and failures are logged; null for none.</param>
    /// <param name="timeProvider">The clock for stored-at times and latencies; null for <see cref="TimeProvider.System"/>.</param>
    /// <param name="kernel">The similarity kernel of the index; null for <see cref="SimilarityKernels.Default"/>.</param>
    /// <param name="embeddingCache">
    /// The cache for query embeddings only; null for <paramref name="cache"/>. Not owned. An embedding
    /// is a pure function of the query text and the model, so this cache may be shared by every
    /// instance of a cluster (a shared Redis level 3); recall responses, keyed by this instance's
    /// generation, stay in <paramref name="cache"/>, which must not be shared.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> or <paramref name="embeddings"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="InvalidOperationException">The generator's metadata names no model and <see cref="SemanticMemoryOptions.ModelId"/> is not set, or it gives no dimension.</exception>
    public SemanticMemory(
        IMemoryStore store,
        IEmbeddingGenerator<string, Embedding<float>> embeddings,
        SemanticMemoryOptions? options = null,
        TieredCache? cache = null,
        PerformanceMonitor? monitor = null,
        ILogger? logger = null,
        TimeProvider? timeProvider = null,
        ISimilarityKernel? kernel = null,
        TieredCache? embeddingCache = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(embeddings);
        _store = store;
        _embeddings = embeddings;
        _options = (options ?? new SemanticMemoryOptions()).Validated();
        _rules = new MemoryRules(_options);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _kernel = kernel ?? SimilarityKernels.Default;

        EmbeddingGeneratorMetadata? metadata = embeddings.GetService<EmbeddingGeneratorMetadata>();
        string modelId = metadata?.DefaultModelId ?? _options.ModelId
            ?? throw new InvalidOperationException("The embedding generator's metadata names no model: set SemanticMemoryOptions.ModelId, which the store records.");
        int dimensions = metadata?.DefaultModelDimensions
            ?? throw new InvalidOperationException($"The embedding generator for {modelId} does not say how long its vectors are (EmbeddingGeneratorMetadata.DefaultModelDimensions).");
        _model = new EmbeddingModel(modelId, dimensions);
        _foldCase = _options.FoldQueryCase ?? IsUncased(modelId);
        _queryCounts = _options.WarmQueries > 0 ? new RecallQueryCounts() : null;

        _ownsCache = cache is null;
        _cache = cache ?? new TieredCache(
            new TieredCacheOptions
            {
                Name = "memory",
                L1Capacity = 10_000,
                L1MaxBytes = 64L * 1024 * 1024,
                L2Capacity = 20_000,
                L2MaxBytes = 32L * 1024 * 1024,
                L3Capacity = 0,
                DefaultTtl = _options.RecallCacheTtl,
            },
            timeProvider: _time);
        _embeddingCache = embeddingCache ?? _cache;
        _ownsMonitor = monitor is null;
        _monitor = monitor ?? new PerformanceMonitor(
            new PerformanceMonitorOptions { Name = "memory", LatencyTarget = TimeSpan.FromMilliseconds(50), HealthIgnoredErrorCategories = ClientErrorCategories },
            _time);
        if (_ownsCache)
        {
            _monitor.Attach(_cache, _cache.Name);
        }

        if (_ownsMonitor)
        {
            _monitor.Attach(_kernel);
        }
    }

    /// <summary>The embedding model the memory embeds with and the store records.</summary>
    public EmbeddingModel Model => _model;

    /// <summary>The monitor every call is timed by.</summary>
    public PerformanceMonitor Monitor => _monitor;

    /// <summary>The store of record.</summary>
    public IMemoryStore Store => _store;

    /// <summary>Whether <see cref="OpenAsync"/> has completed (and the memory is not disposed).</summary>
    public bool IsOpen => Volatile.Read(ref _state) == 2;

    /// <summary>
    /// Opens the store for the memory's model and rebuilds the index from it, reporting progress
    /// as memories load. Call once; the memory serves calls from then on. When the store is a
    /// change feed (<see cref="IMemoryChangeFeed"/>, a store shared by several instances), the
    /// memory reads its last change sequence before loading and then follows the feed from there,
    /// applying other instances' remembers and forgets to its index (<see cref="AppliedChangeSequence"/>).
    /// </summary>
    /// <param name="progress">Told how many memories are in the index so far; null for none.</param>
    /// <param name="cancellationToken">Cancels the opening (the memory then cannot be opened again).</param>
    /// <returns>A task that completes when the memory is open.</returns>
    /// <exception cref="MemoryStoreModelMismatchException">The store holds embeddings of another model; nothing was changed.</exception>
    /// <exception cref="MemoryStoreUnavailableException">The store cannot be opened (its directory cannot be created, it is locked by another instance).</exception>
    /// <exception cref="InvalidOperationException">The memory was already opened.</exception>
    /// <exception cref="ObjectDisposedException">The memory is disposed.</exception>
    public async Task OpenAsync(IProgress<MemoryLoadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) == 3, this);
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("OpenAsync was already called on this memory.");
        }

        long start = _time.GetTimestamp();
        MemoryStoreInfo info = await _store.OpenAsync(_model, cancellationToken).ConfigureAwait(false);
        var index = new VectorIndex(_model.Dimensions, SimilarityMetric.Cosine, _kernel, _options.IndexOptions);
        long replicaFrom;
        try
        {
            // Before the rows arrive, so each row's bits are written as it is added.
            index.SignPrefilter = _options.IndexSignPrefilter;
            replicaFrom = await ReplicaStartAsync(cancellationToken).ConfigureAwait(false);
            long loaded = await LoadIndexAsync(index, info.Count, progress, cancellationToken).ConfigureAwait(false);
            await PrimeRecallAsync(cancellationToken).ConfigureAwait(false);
            _index = index;
            _batcher = new QueryBatcher(index, timeProvider: _time);
            Volatile.Write(ref _count, loaded);
            _openedAt = _time.GetTimestamp();
            MemoryLog.Opened(_logger, _store.Description, _model.ToString(), loaded, _time.GetElapsedTime(start));
        }
        catch
        {
            index.Dispose();
            throw;
        }

        Volatile.Write(ref _state, 2);
        StartReplica(index, replicaFrom);
        StartWarming(index);
    }

    /// <summary>Stops following the store's change feed, stops the batcher and frees the index; the cache and monitor too when the memory created them.</summary>
    /// <returns>A task that completes when everything is released.</returns>
    public async ValueTask DisposeAsync()
    {
        int was = Interlocked.Exchange(ref _state, 3);
        if (was == 3)
        {
            return;
        }

        await StopWarmingAsync().ConfigureAwait(false);
        if (was == 2)
        {
            await SaveRecallCountsAsync().ConfigureAwait(false);
        }

        await StopReplicaAsync().ConfigureAwait(false);
        if (_batcher is not null)
        {
            await _batcher.DisposeAsync().ConfigureAwait(false);
        }

        _index?.Dispose();
        if (_ownsCache)
        {
            _cache.Dispose();
        }

        if (_ownsMonitor)
        {
            _monitor.Dispose();
        }

        _writeGate.Dispose();
    }

    private static bool IsUncased(string modelId) =>
        modelId.Contains("MiniLM", StringComparison.OrdinalIgnoreCase) || modelId.Contains("uncased", StringComparison.OrdinalIgnoreCase);

    private async Task<long> LoadIndexAsync(VectorIndex index, long total, IProgress<MemoryLoadProgress>? progress, CancellationToken cancellationToken)
    {
        const int Batch = 4096;
        int dimension = _model.Dimensions;
        var ids = new long[Batch];
        var rows = new float[Batch * dimension];
        int pending = 0;
        long loaded = 0;

        // Room for every stored vector at once: growing batch by batch would reallocate as it goes.
        index.EnsureCapacity((int)Math.Min(total, Array.MaxLength));
        progress?.Report(new MemoryLoadProgress(0, total));
        await foreach (StoredVector stored in _store.ReadVectorsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (stored.Vector.Length != dimension)
            {
                throw new InvalidDataException($"Memory {stored.Id} in {_store.Description} has a {stored.Vector.Length}-float embedding; the store's model has {dimension}.");
            }

            ids[pending] = stored.Id;
            stored.Vector.CopyTo(rows, pending * dimension);
            if (++pending == Batch)
            {
                index.AddRange(ids, rows);
                loaded += pending;
                pending = 0;
                progress?.Report(new MemoryLoadProgress(loaded, Math.Max(total, loaded)));
            }
        }

        if (pending > 0)
        {
            index.AddRange(ids.AsSpan(0, pending), rows.AsSpan(0, pending * dimension));
            loaded += pending;
        }

        progress?.Report(new MemoryLoadProgress(loaded, Math.Max(total, loaded)));
        return loaded;
    }

    /// <summary>The index, once open; throws with a clear message otherwise.</summary>
    private VectorIndex OpenIndex()
    {
        int state = Volatile.Read(ref _state);
        ObjectDisposedException.ThrowIf(state == 3, this);
        if (state != 2)
        {
            throw new InvalidOperationException("The memory is not open yet: call OpenAsync first (a host opens it when it starts).");
        }

        return _index!;
    }

    /// <summary>Embeds texts with the generator and checks what comes back.</summary>
    private async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        GeneratedEmbeddings<Embedding<float>> generated = await _embeddings.GenerateAsync(texts, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (generated.Count != texts.Count)
        {
            throw new InvalidOperationException($"The embedding generator returned {generated.Count} embeddings for {texts.Count} texts.");
        }

        var vectors = new float[texts.Count][];
        for (int i = 0; i < vectors.Length; i++)
        {
            ReadOnlySpan<float> vector = generated[i].Vector.Span;
            if (vector.Length != _model.Dimensions)
            {
                throw new InvalidOperationException($"The embedding generator returned a {vector.Length}-float embedding; {_model.Id} has {_model.Dimensions}.");
            }

            for (int e = 0; e < vector.Length; e++)
            {
                if (!float.IsFinite(vector[e]))
                {
                    throw new InvalidOperationException($"The embedding generator returned an embedding holding {vector[e]} at element {e}.");
                }
            }

            vectors[i] = vector.ToArray();
        }

        return vectors;
    }

    /// <summary>The monitor's category for a failed call; unexpected failures are logged too.</summary>
    private string FailureCategory(Exception exception, CancellationToken cancellationToken)
    {
        string category = exception switch
        {
            InvalidMemoryInputException => ValidationCategory,
            OperationCanceledException when cancellationToken.IsCancellationRequested => "cancelled",
            TimeoutException or OperationCanceledException => "timeout",
            _ => "internal",
        };
        if (category == "internal")
        {
            MemoryLog.CallFailed(_logger, exception);
        }

        return category;
    }
}
