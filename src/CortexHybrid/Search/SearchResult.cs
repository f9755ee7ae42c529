namespace CortexHybrid.Search;

/// <summary>One hit of a search: a stored vector's id and its score against the query.</summary>
/// <param name="Id">The id the vector was added under.</param>
/// <param name="Score">Cosine similarity or dot product (higher is better), or squared Euclidean distance (lower is better).</param>
public readonly record struct SearchResult(long Id, float Score);
