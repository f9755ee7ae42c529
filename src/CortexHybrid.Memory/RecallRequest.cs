namespace CortexHybrid.Memory;

/// <summary>A recall as the memory records it for warming: the normalized query and the other arguments that make its response.</summary>
/// <param name="Query">The query, normalized as for the cache key.</param>
/// <param name="K">How many hits.</param>
/// <param name="Tags">The tag filter (sorted, distinct), empty for none.</param>
/// <param name="MinScore">The minimum score, or null.</param>
internal sealed record RecallRequest(string Query, int K, string[] Tags, float? MinScore);
