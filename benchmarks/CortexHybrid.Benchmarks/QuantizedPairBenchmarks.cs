using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using CortexHybrid.Simd;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// The dot product of two quantized vectors (int8: 1 byte per element, exact; bf16: 2 bytes,
/// summed in f32), native and managed, against the f32 dot product of <see cref="TensorPrimitives"/>
/// at the same dimension (4 bytes per element), the baseline. Every vector is in L1 here: this
/// measures the arithmetic and the call, not the bandwidth a scan saves.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class QuantizedPairBenchmarks
{
    private readonly IQuantizedKernel _managed = QuantizedKernels.Managed;
    private IQuantizedKernel _native = QuantizedKernels.Scalar;
    private float[] _x = [];
    private float[] _y = [];
    private sbyte[] _x8 = [];
    private sbyte[] _y8 = [];
    private ushort[] _x16 = [];
    private ushort[] _y16 = [];

    [Params(128, 384, 768, 1536)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _native = QuantizedKernels.Native
            ?? throw new InvalidOperationException($"The native kernel is not available: {SimilarityKernels.NativeUnavailableReason}");
        var random = new Random(18);
        _x = Enumerable.Range(0, Dimension).Select(_ => (random.NextSingle() * 2) - 1).ToArray();
        _y = Enumerable.Range(0, Dimension).Select(_ => (random.NextSingle() * 2) - 1).ToArray();
        _x8 = _x.Select(v => (sbyte)MathF.Round(v * 127)).ToArray();
        _y8 = _y.Select(v => (sbyte)MathF.Round(v * 127)).ToArray();
        _x16 = new ushort[Dimension];
        _y16 = new ushort[Dimension];
        BFloat16Bits.FromSingle(_x, _x16);
        BFloat16Bits.FromSingle(_y, _y16);
        Console.WriteLine($"// native: {_native.Description}; managed: {_managed.Description}");
    }

    [Benchmark(Baseline = true)]
    public float DotF32_TensorPrimitives() => TensorPrimitives.Dot(_x, _y);

    [Benchmark]
    public int DotInt8_Native() => _native.DotInt8(_x8, _y8);

    [Benchmark]
    public int DotInt8_Managed() => _managed.DotInt8(_x8, _y8);

    [Benchmark]
    public float DotBFloat16_Native() => _native.DotBFloat16(_x16, _y16);

    [Benchmark]
    public float DotBFloat16_Managed() => _managed.DotBFloat16(_x16, _y16);
}
