using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using CortexHybrid.Native;
using CortexHybrid.Simd;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// The interop floor: an empty native call with and without <c>[SuppressGCTransition]</c> (the
/// generated imports), against the smallest useful managed call, a 16-float TensorPrimitives dot.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class InteropBenchmarks
{
    private readonly float[] _x = Enumerable.Range(0, 16).Select(i => i * 0.5f).ToArray();
    private readonly float[] _y = Enumerable.Range(0, 16).Select(i => 1f - (i * 0.25f)).ToArray();
    private ISimilarityKernel _native = SimilarityKernels.Scalar;

    [GlobalSetup]
    public void Setup() =>
        _native = SimilarityKernels.Native
            ?? throw new InvalidOperationException($"The native kernel is not available: {SimilarityKernels.NativeUnavailableReason}");

    [Benchmark(Baseline = true)]
    public float Dot16_TensorPrimitives() => TensorPrimitives.Dot(_x, _y);

    [Benchmark]
    public void EmptyCall_SuppressGCTransition() => NativeMethods.cortex_noop();

    [Benchmark]
    public void EmptyCall_WithGCTransition() => NativeMethods.cortex_noop_gc_transition();

    [Benchmark]
    public float Dot16_Native() => _native.Dot(_x, _y);
}
