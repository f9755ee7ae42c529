namespace CortexHybrid.Search;

/// <summary>How a <see cref="VectorIndex"/> stores and scans its rows.</summary>
/// <example>
/// <code>
/// // A quarter of the bytes per row scanned; the best 10 x 4 candidates are rescored in float32.
/// using var index = new VectorIndex(384, SimilarityMetric.Cosine, options: new VectorStorageOptions { Storage = VectorStorage.Int8 });
/// </code>
/// </example>
public sealed record VectorStorageOptions
{
    /// <summary>The largest <see cref="Oversample"/> accepted.</summary>
    public const int MaxOversample = 1000;

    /// <summary>The oversample used for <see cref="VectorStorage.Int8"/> when <see cref="Oversample"/> is 0.</summary>
    public const int DefaultInt8Oversample = 4;

    /// <summary>The oversample used for <see cref="VectorStorage.BFloat16"/> when <see cref="Oversample"/> is 0.</summary>
    public const int DefaultBFloat16Oversample = 2;

    /// <summary>The form of the rows a search scans; default <see cref="VectorStorage.Float32"/> (exact).</summary>
    public VectorStorage Storage { get; init; } = VectorStorage.Float32;

    /// <summary>
    /// For quantized storage with <see cref="KeepFullPrecision"/>: a search keeps the best
    /// <c>k x Oversample</c> rows by their quantized score, then rescores them in float32 and
    /// returns the best <c>k</c> with their exact scores, so its result is exact whenever the true
    /// top <c>k</c> is among those candidates. 0 (the default) picks
    /// <see cref="DefaultInt8Oversample"/> or <see cref="DefaultBFloat16Oversample"/>; otherwise
    /// from 1 to <see cref="MaxOversample"/>. Ignored for <see cref="VectorStorage.Float32"/>.
    /// </summary>
    public int Oversample { get; init; }

    /// <summary>
    /// For quantized storage: whether the float32 rows stay in memory beside the quantized ones
    /// (default true), for exact rescoring. Without them the index takes a quarter (int8) or half
    /// (bfloat16) of the bytes, and the scores it returns are the quantized estimates
    /// (<see cref="VectorIndex.ExactScores"/> is false). Must be true for <see cref="VectorStorage.Float32"/>.
    /// </summary>
    public bool KeepFullPrecision { get; init; } = true;

    /// <summary>Checks the options; returns the oversample in effect.</summary>
    internal int Validate()
    {
        if (!Enum.IsDefined(Storage))
        {
            throw new ArgumentOutOfRangeException(nameof(Storage), Storage, "Storage must be Float32, BFloat16 or Int8.");
        }

        if (Oversample is < 0 or > MaxOversample)
        {
            throw new ArgumentOutOfRangeException(nameof(Oversample), Oversample, $"Oversample must be from 1 to {MaxOversample}, or 0 for the default.");
        }

        if (Storage == VectorStorage.Float32 && !KeepFullPrecision)
        {
            throw new ArgumentException("KeepFullPrecision must be true for Float32 storage: the float32 rows are the only rows it has.", nameof(KeepFullPrecision));
        }

        return Storage switch
        {
            VectorStorage.Float32 => 1,
            _ when Oversample > 0 => Oversample,
            VectorStorage.Int8 => DefaultInt8Oversample,
            _ => DefaultBFloat16Oversample,
        };
    }
}
