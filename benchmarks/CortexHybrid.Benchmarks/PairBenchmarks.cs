using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CortexHybrid.Simd;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// Dot, cosine and squared Euclidean distance of two vectors: each CortexHybrid kernel against
/// <see cref="TensorPrimitives"/> (the baseline of each category), from in-cache sizes upwards.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class PairBenchmarks
{
    private float[] _x = [];
    private float[] _y = [];
    private ISimilarityKernel _native = SimilarityKernels.Scalar;
    private readonly ISimilarityKernel _managed = SimilarityKernels.Managed;
    private readonly ISimilarityKernel _scalar = SimilarityKernels.Scalar;

    [Params(128, 384, 768, 1536)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _x = Enumerable.Range(0, Dimension).Select(_ => (random.NextSingle() * 2) - 1).ToArray();
        _y = Enumerable.Range(0, Dimension).Select(_ => (random.NextSingle() * 2) - 1).ToArray();
        _native = SimilarityKernels.Native
            ?? throw new InvalidOperationException($"The native kernel is not available: {SimilarityKernels.NativeUnavailableReason}");
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Dot")]
    public float Dot_TensorPrimitives() => TensorPrimitives.Dot(_x, _y);

    [Benchmark, BenchmarkCategory("Dot")]
    public float Dot_Native() => _native.Dot(_x, _y);

    [Benchmark, BenchmarkCategory("Dot")]
    public float Dot_Managed() => _managed.Dot(_x, _y);

    [Benchmark, BenchmarkCategory("Dot")]
    public float Dot_Scalar() => _scalar.Dot(_x, _y);

    [Benchmark(Baseline = true), BenchmarkCategory("Cosine")]
    public float Cosine_TensorPrimitives() => TensorPrimitives.CosineSimilarity(_x, _y);

    [Benchmark, BenchmarkCategory("Cosine")]
    public float Cosine_Native() => _native.Cosine(_x, _y);

    [Benchmark, BenchmarkCategory("Cosine")]
    public float Cosine_Managed() => _managed.Cosine(_x, _y);

    [Benchmark, BenchmarkCategory("Cosine")]
    public float Cosine_Scalar() => _scalar.Cosine(_x, _y);

    [Benchmark(Baseline = true), BenchmarkCategory("SquaredEuclidean")]
    public float SquaredEuclidean_TensorPrimitives()
    {
        float distance = TensorPrimitives.Distance(_x, _y);
        return distance * distance;
    }

    [Benchmark, BenchmarkCategory("SquaredEuclidean")]
    public float SquaredEuclidean_Native() => _native.SquaredEuclidean(_x, _y);

    [Benchmark, BenchmarkCategory("SquaredEuclidean")]
    public float SquaredEuclidean_Managed() => _managed.SquaredEuclidean(_x, _y);

    [Benchmark, BenchmarkCategory("SquaredEuclidean")]
    public float SquaredEuclidean_Scalar() => _scalar.SquaredEuclidean(_x, _y);
}
