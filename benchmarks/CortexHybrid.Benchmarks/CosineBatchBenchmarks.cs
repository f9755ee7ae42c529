using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CortexHybrid.Simd;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// One query against 256 cache-resident rows (the shape <c>cortex demo</c> times) at the common
/// small embedding sizes: the managed, native and default kernels' CosineBatch against a
/// TensorPrimitives.CosineSimilarity call per row (the baseline), rows 64-byte aligned as
/// <c>VectorIndex</c> stores them.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByParams)]
public class CosineBatchBenchmarks
{
    private const int Rows = 256;

    private NativeBuffer? _query;
    private NativeBuffer? _rows;
    private readonly float[] _destination = new float[Rows];
    private readonly ISimilarityKernel _managed = SimilarityKernels.Managed;
    private ISimilarityKernel _native = SimilarityKernels.Scalar;
    private ISimilarityKernel _default = SimilarityKernels.Scalar;

    [Params(128, 384, 768)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _query = new NativeBuffer(Dimension, offsetFloats: 0, seed: 5);
        _rows = new NativeBuffer((long)Rows * Dimension, offsetFloats: 0, seed: 6);
        _native = SimilarityKernels.Native
            ?? throw new InvalidOperationException($"The native kernel is not available: {SimilarityKernels.NativeUnavailableReason}");
        _default = SimilarityKernels.Default;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _query?.Dispose();
        _rows?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public float CosineBatch_TensorPrimitivesLoop()
    {
        ReadOnlySpan<float> query = _query!.Span;
        for (int r = 0; r < Rows; r++)
        {
            _destination[r] = TensorPrimitives.CosineSimilarity(query, _rows!.Slice((long)r * Dimension, Dimension));
        }

        return _destination[^1];
    }

    [Benchmark]
    public float CosineBatch_Managed()
    {
        _managed.CosineBatch(_query!.Span, _rows!.Span, _destination);
        return _destination[^1];
    }

    [Benchmark]
    public float CosineBatch_Native()
    {
        _native.CosineBatch(_query!.Span, _rows!.Span, _destination);
        return _destination[^1];
    }

    [Benchmark]
    public float CosineBatch_Default()
    {
        _default.CosineBatch(_query!.Span, _rows!.Span, _destination);
        return _destination[^1];
    }
}
