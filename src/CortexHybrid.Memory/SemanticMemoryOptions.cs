using CortexHybrid.Search;
using CortexHybrid.Validation;

namespace CortexHybrid.Memory;

/// <summary>The limits and cache lifetimes of a <see cref="SemanticMemory"/>.</summary>
/// <remarks>Input over a limit is rejected with an <see cref="ArgumentException"/> whose message says which limit; nothing is stored.</remarks>
public sealed class SemanticMemoryOptions
{
    /// <summary>The longest text remembered or recalled, in UTF-8 bytes; default 32 KiB (32,768), at most 1 MiB.</summary>
    public int MaxTextBytes { get; set; } = 32 * 1024;

    /// <summary>The most tags one memory carries (or a recall filters by); default 16.</summary>
    public int MaxTags { get; set; } = 16;

    /// <summary>The longest tag, in characters; default 64.</summary>
    public int MaxTagLength { get; set; } = 64;

    /// <summary>The most metadata entries of one memory; default 32.</summary>
    public int MaxMetadataEntries { get; set; } = 32;

    /// <summary>The longest metadata key, in characters; default 64.</summary>
    public int MaxMetadataKeyLength { get; set; } = 64;

    /// <summary>The longest metadata value, in characters; default 1,024.</summary>
    public int MaxMetadataValueLength { get; set; } = 1024;

    /// <summary>The most memories one recall returns; default 100.</summary>
    public int MaxRecall { get; set; } = 100;

    /// <summary>The most memories one listing returns; default 100.</summary>
    public int MaxList { get; set; } = 100;

    /// <summary>How long a recall's response is kept for the same query (until a remember or forget changes what it could return); default 10 minutes.</summary>
    public TimeSpan RecallCacheTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a query text's embedding is kept, so a repeated query never runs the model; default 24 hours.</summary>
    public TimeSpan EmbeddingCacheTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Whether query texts that differ only in letter case share a cached embedding. Null (the
    /// default): yes for uncased models (the built-in all-MiniLM-L6-v2 lowercases its input, so
    /// case cannot change its embedding), no for others.
    /// </summary>
    public bool? FoldQueryCase { get; set; }

    /// <summary>Texts embedded and stored per batch by <see cref="SemanticMemory.RememberManyAsync"/>; default 64.</summary>
    public int IngestBatchSize { get; set; } = 64;

    /// <summary>
    /// How many of the most frequent recalls (query, k, tags, minimum score) of earlier runs are
    /// computed into the recall cache at start, in the background (<see cref="SemanticMemory.Warming"/>);
    /// default 100, at most 1,000; 0 records and warms nothing. The counts are saved to the store
    /// (its <c>recall_queries</c> table: the normalized query texts, so they are as private as the
    /// memories) when the memory stops, halving older counts so that old habits fade.
    /// </summary>
    public int WarmQueries { get; set; } = 100;

    /// <summary>The model id recorded in the store when the embedding generator's metadata names none.</summary>
    public string? ModelId { get; set; }

    /// <summary>
    /// How the in-memory index holds the vectors it searches: <see cref="VectorStorage.Float32"/>
    /// (the default, exact), <see cref="VectorStorage.BFloat16"/> or <see cref="VectorStorage.Int8"/>
    /// (a half or a quarter of the bytes scanned per recall, the best candidates rescored in float32;
    /// see <see cref="VectorStorageOptions"/>). The store of record always keeps the float32 vectors,
    /// so this can change between runs: the index is rebuilt from the store at every start.
    /// </summary>
    public VectorStorage IndexStorage { get; set; } = VectorStorage.Float32;

    /// <summary>For quantized <see cref="IndexStorage"/>: candidates rescored per hit, 1 to 1,000, or 0 (the default) for the storage's default (see <see cref="VectorStorageOptions.Oversample"/>).</summary>
    public int IndexOversample { get; set; }

    /// <summary>
    /// For quantized <see cref="IndexStorage"/>: whether the index keeps the float32 vectors too, for
    /// exact rescoring (default true). Without them it takes a quarter (int8) or half (bfloat16) of the
    /// memory, and recall scores (and the minimum-score filter) use the quantized estimates.
    /// </summary>
    public bool IndexKeepFullPrecision { get; set; } = true;

    /// <summary>
    /// The index's sign-bit prefilter (<see cref="VectorIndex.SignPrefilter"/>): 0 (the default)
    /// scores every memory at every recall; <c>f</c> from 1 to 10,000 first keeps the <c>k x f</c>
    /// memories whose element signs agree most with the query's and searches only those, so a recall
    /// reads one bit an element of every memory instead of the whole vector. Approximate: a memory
    /// outside the kept ones is missed (the scores of what is found stay exact). Recalls filtered by
    /// tags score their candidates without it. Recall@10 on MiniLM sentence embeddings: 0.9997 at
    /// k x 64 (see the README's search section).
    /// </summary>
    public int IndexSignPrefilter { get; set; }

    /// <summary>The index options these settings describe.</summary>
    internal VectorStorageOptions IndexOptions => new()
    {
        Storage = IndexStorage,
        Oversample = IndexOversample,
        KeepFullPrecision = IndexKeepFullPrecision,
    };

    /// <summary>A copy, so that changing these options after the memory is created changes nothing.</summary>
    internal SemanticMemoryOptions Validated()
    {
        Check().ThrowIfAny();
        return (SemanticMemoryOptions)MemberwiseClone();
    }

    /// <summary>Every setting out of range, with what is allowed.</summary>
    internal SettingRules Check()
    {
        var rules = new SettingRules();
        rules.Between(MaxTextBytes, 1, 1024 * 1024, nameof(MaxTextBytes));
        rules.Between(MaxTags, 0, 256, nameof(MaxTags));
        rules.Between(MaxTagLength, 1, 1024, nameof(MaxTagLength));
        rules.Between(MaxMetadataEntries, 0, 1024, nameof(MaxMetadataEntries));
        rules.Between(MaxMetadataKeyLength, 1, 1024, nameof(MaxMetadataKeyLength));
        rules.Between(MaxMetadataValueLength, 1, 64 * 1024, nameof(MaxMetadataValueLength));
        rules.Between(MaxRecall, 1, 10_000, nameof(MaxRecall));
        rules.Between(MaxList, 1, 10_000, nameof(MaxList));
        rules.Positive(RecallCacheTtl, nameof(RecallCacheTtl));
        rules.Positive(EmbeddingCacheTtl, nameof(EmbeddingCacheTtl));
        rules.Between(IngestBatchSize, 1, 4096, nameof(IngestBatchSize));
        rules.Require(Enum.IsDefined(IndexStorage), nameof(IndexStorage), IndexStorage, "IndexStorage must be Float32, BFloat16 or Int8.");
        rules.Between(IndexOversample, 0, VectorStorageOptions.MaxOversample, nameof(IndexOversample));
        rules.Between(IndexSignPrefilter, 0, VectorIndex.MaxSignPrefilter, nameof(IndexSignPrefilter));
        rules.Require(IndexKeepFullPrecision || IndexStorage != VectorStorage.Float32, nameof(IndexKeepFullPrecision), IndexKeepFullPrecision, "IndexKeepFullPrecision must be true for Float32 storage.");
        rules.Between(WarmQueries, 0, Stores.FrequentQuery.MaxKept, nameof(WarmQueries));
        return rules;
    }
}
