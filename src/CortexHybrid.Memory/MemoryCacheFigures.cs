namespace CortexHybrid.Memory;

/// <summary>How often a <see cref="SemanticMemory"/>'s answers came from its cache.</summary>
/// <param name="RecallsCached">Recalls answered from the cache.</param>
/// <param name="RecallsComputed">Recalls computed (embedding, search, fetch).</param>
/// <param name="QueryEmbeddingsReused">Computed recalls whose query embedding came from the cache (the model did not run).</param>
/// <param name="QueryEmbeddingsComputed">Query embeddings the model computed.</param>
/// <param name="HitRate">The cache's hit rate over all its reads (responses and embeddings).</param>
/// <param name="Entries">Entries the cache holds in process.</param>
/// <param name="Bytes">Bytes the cache holds in process.</param>
public sealed record MemoryCacheFigures(long RecallsCached, long RecallsComputed, long QueryEmbeddingsReused, long QueryEmbeddingsComputed, double HitRate, long Entries, long Bytes);
