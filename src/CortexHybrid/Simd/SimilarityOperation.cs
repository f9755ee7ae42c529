namespace CortexHybrid.Simd;

/// <summary>A kernel operation, as <see cref="SimdProfiler"/> measures it.</summary>
public enum SimilarityOperation
{
    /// <summary><see cref="ISimilarityKernel.Dot"/>.</summary>
    Dot,

    /// <summary><see cref="ISimilarityKernel.Cosine"/>.</summary>
    Cosine,

    /// <summary><see cref="ISimilarityKernel.SquaredEuclidean"/>.</summary>
    SquaredEuclidean,

    /// <summary><see cref="ISimilarityKernel.DotBatch"/> against <see cref="SimdProfiler.BatchRows"/> rows.</summary>
    DotBatch,

    /// <summary><see cref="ISimilarityKernel.CosineBatch"/> against <see cref="SimdProfiler.BatchRows"/> rows.</summary>
    CosineBatch,
}
