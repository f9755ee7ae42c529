using BenchmarkDotNet.Attributes;
using CortexHybrid.Simd;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// Two vectors for pair benchmarks, misaligned the way GC arrays usually are (x 16 bytes and y 48
/// bytes past a 64-byte boundary), from in-cache sizes up.
/// </summary>
public abstract class PairInputs
{
    private NativeBuffer? _x;
    private NativeBuffer? _y;

    [Params(128, 384, 768, 1536)]
    public int Dimension { get; set; }

    protected ReadOnlySpan<float> X => _x!.Span;

    protected ReadOnlySpan<float> Y => _y!.Span;

    protected ISimilarityKernel Native { get; private set; } = SimilarityKernels.Scalar;

    [GlobalSetup]
    public void Setup()
    {
        _x = new NativeBuffer(Dimension, offsetFloats: 4, seed: 1);
        _y = new NativeBuffer(Dimension, offsetFloats: 12, seed: 2);
        Native = SimilarityKernels.Native
            ?? throw new InvalidOperationException($"The native kernel is not available: {SimilarityKernels.NativeUnavailableReason}");
        CheckNative(Native);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x?.Dispose();
        _y?.Dispose();
    }

    /// <summary>Lets a class insist on the instruction set it measures.</summary>
    protected virtual void CheckNative(ISimilarityKernel native)
    {
    }
}
