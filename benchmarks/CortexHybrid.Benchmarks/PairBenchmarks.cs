using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CortexHybrid.Simd;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// Dot, cosine and squared Euclidean distance of two vectors: each CortexHybrid kernel (native on
/// the best instruction set, AVX-512 here) against <see cref="TensorPrimitives"/>, the baseline of
/// each category.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class PairBenchmarks : PairInputs
{
    private readonly ISimilarityKernel _managed = SimilarityKernels.Managed;
    private readonly ISimilarityKernel _scalar = SimilarityKernels.Scalar;

    [Benchmark(Baseline = true), BenchmarkCategory("Dot")]
    public float Dot_TensorPrimitives() => TensorPrimitives.Dot(X, Y);

    [Benchmark, BenchmarkCategory("Dot")]
    public float Dot_Native() => Native.Dot(X, Y);

    [Benchmark, BenchmarkCategory("Dot")]
    public float Dot_Managed() => _managed.Dot(X, Y);

    [Benchmark, BenchmarkCategory("Dot")]
    public float Dot_Scalar() => _scalar.Dot(X, Y);

    [Benchmark(Baseline = true), BenchmarkCategory("Cosine")]
    public float Cosine_TensorPrimitives() => TensorPrimitives.CosineSimilarity(X, Y);

    [Benchmark, BenchmarkCategory("Cosine")]
    public float Cosine_Native() => Native.Cosine(X, Y);

    [Benchmark, BenchmarkCategory("Cosine")]
    public float Cosine_Managed() => _managed.Cosine(X, Y);

    [Benchmark, BenchmarkCategory("Cosine")]
    public float Cosine_Scalar() => _scalar.Cosine(X, Y);

    [Benchmark(Baseline = true), BenchmarkCategory("SquaredEuclidean")]
    public float SquaredEuclidean_TensorPrimitives()
    {
        float distance = TensorPrimitives.Distance(X, Y);
        return distance * distance;
    }

    [Benchmark, BenchmarkCategory("SquaredEuclidean")]
    public float SquaredEuclidean_Native() => Native.SquaredEuclidean(X, Y);

    [Benchmark, BenchmarkCategory("SquaredEuclidean")]
    public float SquaredEuclidean_Managed() => _managed.SquaredEuclidean(X, Y);

    [Benchmark, BenchmarkCategory("SquaredEuclidean")]
    public float SquaredEuclidean_Scalar() => _scalar.SquaredEuclidean(X, Y);
}
