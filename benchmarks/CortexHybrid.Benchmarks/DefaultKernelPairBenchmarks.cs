using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CortexHybrid.Simd;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// The kernel a user gets, <see cref="SimilarityKernels.Default"/> (native above the crossover,
/// managed below it), beside the managed and native kernels it routes between, against
/// <see cref="TensorPrimitives"/> (the baseline of each category), from 16 floats up: the run that
/// fixes the crossover and shows no length loses.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
public class DefaultKernelPairBenchmarks
{
    private NativeBuffer? _x;
    private NativeBuffer? _y;
    private readonly ISimilarityKernel _managed = SimilarityKernels.Managed;
    private ISimilarityKernel _native = SimilarityKernels.Scalar;
    private ISimilarityKernel _default = SimilarityKernels.Scalar;

    [Params(16, 32, 64, 128, 256, 384, 768, 1536)]
    public int Dimension { get; set; }

    private ReadOnlySpan<float> X => _x!.Span;

    private ReadOnlySpan<float> Y => _y!.Span;

    [GlobalSetup]
    public void Setup()
    {
        // Misaligned the way GC arrays usually are, as in PairInputs.
        _x = new NativeBuffer(Dimension, offsetFloats: 4, seed: 1);
        _y = new NativeBuffer(Dimension, offsetFloats: 12, seed: 2);
        _native = SimilarityKernels.Native
            ?? throw new InvalidOperationException($"The native kernel is not available: {SimilarityKernels.NativeUnavailableReason}");
        _default = SimilarityKernels.Default;
        Console.WriteLine($"// Default kernel: {_default.Description}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x?.Dispose();
        _y?.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Dot")]
    public float Dot_TensorPrimitives() => TensorPrimitives.Dot(X, Y);

    [Benchmark, BenchmarkCategory("Dot")]
    public float Dot_Default() => _default.Dot(X, Y);

    [Benchmark, BenchmarkCategory("Dot")]
    public float Dot_Managed() => _managed.Dot(X, Y);

    [Benchmark, BenchmarkCategory("Dot")]
    public float Dot_Native() => _native.Dot(X, Y);

    [Benchmark(Baseline = true), BenchmarkCategory("Cosine")]
    public float Cosine_TensorPrimitives() => TensorPrimitives.CosineSimilarity(X, Y);

    [Benchmark, BenchmarkCategory("Cosine")]
    public float Cosine_Default() => _default.Cosine(X, Y);

    [Benchmark, BenchmarkCategory("Cosine")]
    public float Cosine_Managed() => _managed.Cosine(X, Y);

    [Benchmark, BenchmarkCategory("Cosine")]
    public float Cosine_Native() => _native.Cosine(X, Y);

    [Benchmark(Baseline = true), BenchmarkCategory("SquaredEuclidean")]
    public float SquaredEuclidean_TensorPrimitives()
    {
        float distance = TensorPrimitives.Distance(X, Y);
        return distance * distance;
    }

    [Benchmark, BenchmarkCategory("SquaredEuclidean")]
    public float SquaredEuclidean_Default() => _default.SquaredEuclidean(X, Y);

    [Benchmark, BenchmarkCategory("SquaredEuclidean")]
    public float SquaredEuclidean_Managed() => _managed.SquaredEuclidean(X, Y);

    [Benchmark, BenchmarkCategory("SquaredEuclidean")]
    public float SquaredEuclidean_Native() => _native.SquaredEuclidean(X, Y);
}
