namespace CortexHybrid.Memory.Vectors;

/// <summary>What <see cref="VectorCorpusPipeline.SearchAsync"/> returns.</summary>
/// <param name="Hits">The hits, best first.</param>
/// <param name="FromCache">
/// True when the <see cref="CortexHybrid.Caching.TieredCache"/> served the response (from any
/// level, or from a search another caller was running for the same query and k at the time); false
/// when this call ran the search and the document fetch.
/// </param>
public sealed record SearchResponse(IReadOnlyList<SearchHit> Hits, bool FromCache);
