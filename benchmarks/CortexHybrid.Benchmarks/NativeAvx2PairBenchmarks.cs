using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using CortexHybrid.Simd;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// The native kernels forced onto AVX2 (<c>CORTEX_NATIVE_ISA=avx2</c> in every benchmark process
/// of this class) against <see cref="TensorPrimitives"/>, on the same inputs as <see cref="PairBenchmarks"/>.
/// </summary>
[Config(typeof(ForcedAvx2Config))]
[MemoryDiagnoser]
[MedianColumn]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class NativeAvx2PairBenchmarks : PairInputs
{
    [Benchmark(Baseline = true), BenchmarkCategory("Dot")]
    public float Dot_TensorPrimitives() => TensorPrimitives.Dot(X, Y);

    [Benchmark, BenchmarkCategory("Dot")]
    public float Dot_NativeAvx2() => Native.Dot(X, Y);

    [Benchmark(Baseline = true), BenchmarkCategory("Cosine")]
    public float Cosine_TensorPrimitives() => TensorPrimitives.CosineSimilarity(X, Y);

    [Benchmark, BenchmarkCategory("Cosine")]
    public float Cosine_NativeAvx2() => Native.Cosine(X, Y);

    [Benchmark(Baseline = true), BenchmarkCategory("SquaredEuclidean")]
    public float SquaredEuclidean_TensorPrimitives()
    {
        float distance = TensorPrimitives.Distance(X, Y);
        return distance * distance;
    }

    [Benchmark, BenchmarkCategory("SquaredEuclidean")]
    public float SquaredEuclidean_NativeAvx2() => Native.SquaredEuclidean(X, Y);

    protected override void CheckNative(ISimilarityKernel native)
    {
        if (!native.Description.StartsWith("native avx2 ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Expected the forced AVX2 kernels, got '{native.Description}'.");
        }
    }

    /// <summary>A mutator, not a job: it sets the variable on whichever job runs (--job short too).</summary>
    private sealed class ForcedAvx2Config : ManualConfig
    {
        public ForcedAvx2Config() => AddJob(Job.Default.WithEnvironmentVariable("CORTEX_NATIVE_ISA", "avx2").AsMutator());
    }
}
