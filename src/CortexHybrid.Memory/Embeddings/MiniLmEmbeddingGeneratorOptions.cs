namespace CortexHybrid.Memory.Embeddings;

/// <summary>
/// Settings of a <see cref="MiniLmEmbeddingGenerator"/>: where the model file is kept, how many
/// inferences run at once, and how texts are cut and grouped.
/// </summary>
/// <remarks>
/// A plain options class, bindable from configuration. It is validated and copied when the
/// generator is created, so later changes have no effect.
/// </remarks>
public sealed class MiniLmEmbeddingGeneratorOptions
{
    /// <summary>The smallest <see cref="MaxTokens"/>.</summary>
    public const int MinMaxTokens = 8;

    /// <summary>The largest <see cref="MaxTokens"/>: the model's 512 positions.</summary>
    public const int MaxMaxTokens = 512;

    /// <summary>The largest <see cref="BatchSize"/>.</summary>
    public const int MaxBatchSize = 1024;

    /// <summary>The largest <see cref="Encoders"/>.</summary>
    public const int MaxEncoders = 256;

    /// <summary>The largest <see cref="MaxBatchTokens"/>.</summary>
    public const int MaxMaxBatchTokens = 1 << 20;

    /// <summary>
    /// The directory the model file is extracted to once and loaded from afterwards. Null (the
    /// default): <c>cortex-hybrid/models</c> under the user's local application data folder
    /// (<see cref="Environment.SpecialFolder.LocalApplicationData"/>: <c>~/.local/share</c> on
    /// Linux, <c>%LOCALAPPDATA%</c> on Windows).
    /// </summary>
    /// <remarks>
    /// When the directory cannot be created or written, the model is loaded from the package's
    /// embedded resource instead, which costs about 90 MB more (a managed copy of the model, garbage once loaded);
    /// <see cref="MiniLmEmbeddingGenerator.ModelSource"/> says which happened and why.
    /// </remarks>
    public string? ModelDirectory { get; set; }

    /// <summary>
    /// The most inferences that run at once, each on one thread: the size of the pool of
    /// encoders. From 1 to <see cref="MaxEncoders"/>; <see cref="Environment.ProcessorCount"/> by
    /// default.
    /// </summary>
    public int Encoders { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// The most texts in one inference. From 1 to <see cref="MaxBatchSize"/>; 32 by default.
    /// <see cref="MaxBatchTokens"/> may cut a batch of long texts smaller.
    /// </summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// The most word pieces of a text that are embedded, counting <c>[CLS]</c> and
    /// <c>[SEP]</c>: a longer text keeps its first <c>MaxTokens − 2</c> pieces. From
    /// <see cref="MinMaxTokens"/> to <see cref="MaxMaxTokens"/>; 256 by default, the
    /// <c>max_seq_length</c> the model was trained with in sentence-transformers.
    /// </summary>
    public int MaxTokens { get; set; } = 256;

    /// <summary>
    /// The most padded tokens in one inference (texts × the longest of them): what bounds an
    /// inference's working memory, about 25 KB per token. From <see cref="MaxTokens"/> (so that
    /// any text fits) to <see cref="MaxMaxBatchTokens"/>; 1024 by default, which never cuts a
    /// batch of 32 short texts (up to 32 tokens each) and keeps a batch of long texts to about
    /// 30 MB.
    /// </summary>
    public int MaxBatchTokens { get; set; } = 1024;

    /// <summary>A validated copy.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it and the range.</exception>
    internal MiniLmEmbeddingGeneratorOptions Validated()
    {
        Require(Encoders is >= 1 and <= MaxEncoders, nameof(Encoders), Encoders, $"Encoders must be from 1 to {MaxEncoders}.");
        Require(BatchSize is >= 1 and <= MaxBatchSize, nameof(BatchSize), BatchSize, $"BatchSize must be from 1 to {MaxBatchSize}.");
        Require(MaxTokens is >= MinMaxTokens and <= MaxMaxTokens, nameof(MaxTokens), MaxTokens, $"MaxTokens must be from {MinMaxTokens} to {MaxMaxTokens}.");
        Require(
            MaxBatchTokens >= MaxTokens && MaxBatchTokens <= MaxMaxBatchTokens,
            nameof(MaxBatchTokens),
            MaxBatchTokens,
            $"MaxBatchTokens must be from MaxTokens ({MaxTokens}) to {MaxMaxBatchTokens}.");
        if (ModelDirectory is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(ModelDirectory, nameof(ModelDirectory));
        }

        return (MiniLmEmbeddingGeneratorOptions)MemberwiseClone();
    }

    private static void Require(bool holds, string setting, int value, string rule)
    {
        if (!holds)
        {
            throw new ArgumentOutOfRangeException(setting, value, rule);
        }
    }
}
