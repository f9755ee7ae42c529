using CortexHybrid.Search;
using CortexHybrid.Validation;

namespace CortexHybrid.Hosting;

/// <summary>
/// The <see cref="VectorIndex"/> and <see cref="QueryBatcher"/> registered by
/// <c>services.AddVectorIndex(...)</c>: an empty index of <see cref="Dimension"/>, or one loaded
/// from <see cref="IndexFile"/>.
/// </summary>
public sealed class VectorIndexOptions
{
    /// <summary>
    /// The length of every vector, 1 to <see cref="VectorIndex.MaxDimension"/>. May be left 0 when
    /// <see cref="IndexFile"/> is set (the file's dimension is used); when both are set they must agree.
    /// </summary>
    public int Dimension { get; set; }

    /// <summary>How vectors are scored; default cosine. Ignored when <see cref="IndexFile"/> is set (the file records its metric).</summary>
    public SimilarityMetric Metric { get; set; } = SimilarityMetric.Cosine;

    /// <summary>A saved index (<see cref="VectorIndex.Save(string)"/>) loaded when the index is first resolved; null for an empty index. The file must exist.</summary>
    public string? IndexFile { get; set; }

    /// <summary>How the rows are stored (float32, bfloat16 or int8); default float32. Ignored when <see cref="IndexFile"/> is set (the file records it).</summary>
    public VectorStorage Storage { get; set; } = VectorStorage.Float32;

    /// <summary>For quantized storage: candidates rescored per hit, 1 to 1000, or 0 for the storage's default (see <see cref="VectorStorageOptions.Oversample"/>).</summary>
    public int Oversample { get; set; }

    /// <summary>For quantized storage: keep the float32 rows for exact rescoring (default true; see <see cref="VectorStorageOptions.KeepFullPrecision"/>).</summary>
    public bool KeepFullPrecision { get; set; } = true;

    /// <summary>
    /// The sign-bit prefilter (<see cref="VectorIndex.SignPrefilter"/>): 0 (default) scores every
    /// row; 1 to <see cref="VectorIndex.MaxSignPrefilter"/> searches only the <c>k x SignPrefilter</c>
    /// rows whose signs agree most with the query's (approximate). Cosine only. Applied to a loaded
    /// <see cref="IndexFile"/> too, since saved indexes do not record it.
    /// </summary>
    public int SignPrefilter { get; set; }

    /// <summary>Threads one search may use; null for every core.</summary>
    public int? MaxDegreeOfParallelism { get; set; }

    /// <summary>Queries the <see cref="QueryBatcher"/> scores per pass, 1 to 256; default 16 (one pass of the native kernel).</summary>
    public int MaxBatchSize { get; set; } = 16;

    /// <summary>How long a batch waits for more queries once the first arrives, zero to one second; default zero.</summary>
    public TimeSpan MaxBatchDelay { get; set; }

    /// <summary>Every setting out of range, with what is allowed.</summary>
    internal SettingRules Check()
    {
        var rules = new SettingRules();
        if (IndexFile is null || Dimension != 0)
        {
            rules.Between(Dimension, 1, VectorIndex.MaxDimension, nameof(Dimension));
        }

        rules.Require(Enum.IsDefined(Metric), nameof(Metric), Metric, "Metric must be Cosine, DotProduct or SquaredEuclidean.");
        if (IndexFile is not null)
        {
            rules.Require(File.Exists(IndexFile), nameof(IndexFile), IndexFile, "IndexFile must name an existing saved index, or be null for an empty index.");
        }

        rules.Require(Enum.IsDefined(Storage), nameof(Storage), Storage, "Storage must be Float32, BFloat16 or Int8.");
        rules.Between(Oversample, 0, VectorStorageOptions.MaxOversample, nameof(Oversample));
        rules.Require(KeepFullPrecision || Storage != VectorStorage.Float32, nameof(KeepFullPrecision), KeepFullPrecision, "KeepFullPrecision must be true for Float32 storage.");
        if (Storage == VectorStorage.Int8 && IndexFile is null)
        {
            rules.Between(Dimension, 1, VectorIndex.MaxInt8Dimension, nameof(Dimension));
        }

        rules.Between(SignPrefilter, 0, VectorIndex.MaxSignPrefilter, nameof(SignPrefilter));
        if (IndexFile is null)
        {
            rules.Require(SignPrefilter <= 0 || Metric == SimilarityMetric.Cosine, nameof(SignPrefilter), SignPrefilter, "SignPrefilter needs the Cosine metric (0 otherwise).");
        }

        rules.Require(MaxDegreeOfParallelism is not < 1, nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "MaxDegreeOfParallelism must be at least 1, or null for every core.");
        rules.Between(MaxBatchSize, 1, 256, nameof(MaxBatchSize));
        rules.Require(MaxBatchDelay >= TimeSpan.Zero && MaxBatchDelay <= TimeSpan.FromSeconds(1), nameof(MaxBatchDelay), MaxBatchDelay, "MaxBatchDelay must be from zero to one second.");
        return rules;
    }
}
