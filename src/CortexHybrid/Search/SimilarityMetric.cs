namespace CortexHybrid.Search;

/// <summary>How a <see cref="VectorIndex"/> scores a stored vector against a query.</summary>
public enum SimilarityMetric
{
    /// <summary>Cosine similarity, from -1 to 1, highest first. Rows are stored normalized, so a search is a dot product.</summary>
    Cosine = 0,

    /// <summary>Dot product, highest first.</summary>
    DotProduct = 1,

    /// <summary>Squared Euclidean distance, smallest first (the score is the distance).</summary>
    SquaredEuclidean = 2,
}
