using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CortexHybrid.Simd;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// One 768-float query against 1,000 rows (3 MB: cache-resident) and 200,000 rows (614 MB: from
/// memory), rows 64-byte aligned as <c>VectorIndex</c> stores them. Baselines: a TensorPrimitives
/// call per row, as its users write it. <see cref="Read_BandwidthProbe"/> reads the same bytes with
/// no arithmetic to speak of; the GB/s and bandwidth-share columns compare every method with it.
/// </summary>
[Config(typeof(BandwidthConfig))]
[MemoryDiagnoser]
[MedianColumn]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class BatchBenchmarks
{
    public const int Dimension = 768;

    private NativeBuffer? _query;
    private NativeBuffer? _rows;
    private float[] _destination = [];
    private ISimilarityKernel _native = SimilarityKernels.Scalar;
    private readonly ISimilarityKernel _managed = SimilarityKernels.Managed;

    [Params(1_000, 200_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _query = new NativeBuffer(Dimension, offsetFloats: 0, seed: 3);
        _rows = new NativeBuffer((long)Rows * Dimension, offsetFloats: 0, seed: 4);
        _destination = new float[Rows];
        _native = SimilarityKernels.Native
            ?? throw new InvalidOperationException($"The native kernel is not available: {SimilarityKernels.NativeUnavailableReason}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _query?.Dispose();
        _rows?.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("CosineBatch")]
    public float CosineBatch_TensorPrimitivesLoop()
    {
        ReadOnlySpan<float> query = _query!.Span;
        for (int r = 0; r < Rows; r++)
        {
            _destination[r] = TensorPrimitives.CosineSimilarity(query, _rows!.Slice((long)r * Dimension, Dimension));
        }

        return _destination[^1];
    }

    [Benchmark, BenchmarkCategory("CosineBatch")]
    public float CosineBatch_Native()
    {
        _native.CosineBatch(_query!.Span, _rows!.Span, _destination);
        return _destination[^1];
    }

    [Benchmark, BenchmarkCategory("CosineBatch")]
    public float CosineBatch_Managed()
    {
        _managed.CosineBatch(_query!.Span, _rows!.Span, _destination);
        return _destination[^1];
    }

    [Benchmark, BenchmarkCategory("CosineBatch")]
    public float Read_BandwidthProbe() => ReadAll(_rows!);

    [Benchmark(Baseline = true), BenchmarkCategory("DotBatch")]
    public float DotBatch_TensorPrimitivesLoop()
    {
        ReadOnlySpan<float> query = _query!.Span;
        for (int r = 0; r < Rows; r++)
        {
            _destination[r] = TensorPrimitives.Dot(query, _rows!.Slice((long)r * Dimension, Dimension));
        }

        return _destination[^1];
    }

    [Benchmark, BenchmarkCategory("DotBatch")]
    public float DotBatch_Native()
    {
        _native.DotBatch(_query!.Span, _rows!.Span, _destination);
        return _destination[^1];
    }

    [Benchmark, BenchmarkCategory("DotBatch")]
    public float DotBatch_Managed()
    {
        _managed.DotBatch(_query!.Span, _rows!.Span, _destination);
        return _destination[^1];
    }

    /// <summary>
    /// Sums every float with eight independent Vector512 accumulators: as close to a plain read as
    /// .NET code gets (loads, one add each, nothing else in the way).
    /// </summary>
    private static unsafe float ReadAll(NativeBuffer buffer)
    {
        float* p = buffer.Pointer;
        long n = buffer.Length;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        long i = 0;
        for (; i + 128 <= n; i += 128)
        {
            a0 += Vector512.Load(p + i);
            a1 += Vector512.Load(p + i + 16);
            a2 += Vector512.Load(p + i + 32);
            a3 += Vector512.Load(p + i + 48);
            a4 += Vector512.Load(p + i + 64);
            a5 += Vector512.Load(p + i + 80);
            a6 += Vector512.Load(p + i + 96);
            a7 += Vector512.Load(p + i + 112);
        }

        float sum = Vector512.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)));
        for (; i < n; i++)
        {
            sum += p[i];
        }

        return sum;
    }

    private sealed class BandwidthConfig : ManualConfig
    {
        public BandwidthConfig()
        {
            AddColumn(new ThroughputColumn(BytesRead));
            AddColumn(new ShareOfProbeColumn(nameof(Read_BandwidthProbe)));
        }

        private static double BytesRead(BenchmarkDotNet.Running.BenchmarkCase benchmark) =>
            (int)benchmark.Parameters["Rows"] * (double)Dimension * sizeof(float);
    }
}
