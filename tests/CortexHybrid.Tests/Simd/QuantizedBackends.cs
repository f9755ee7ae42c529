using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Simd;

/// <summary>
/// Every quantized kernel path this process can run, by name, for theories: the scalar loops, each
/// managed vector width (forced through the narrower engine chains) and the native library on the
/// instruction sets it chose (CI runs the suite again with CORTEX_NATIVE_ISA=avx2).
/// </summary>
public static class QuantizedBackends
{
    public static TheoryData<string> All => new() { "scalar", "managed128", "managed256", "managed512", "native" };

    internal static IQuantizedKernel Get(string name) => name switch
    {
        "scalar" => QuantizedKernels.Scalar,
        "managed128" => QuantizedKernels.UpTo128,
        "managed256" => QuantizedKernels.UpTo256,
        "managed512" => QuantizedKernels.UpTo512,
        "native" => QuantizedKernels.Native
            ?? throw new InvalidOperationException($"The native kernel must be available for the tests: {SimilarityKernels.NativeUnavailableReason}"),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown backend"),
    };

    /// <summary>
    /// True when the path reads bf16 denormal inputs as zero and flushes denormal partial sums
    /// (the native kernel on AVX-512 BF16); every other path keeps denormals, as IEEE arithmetic does.
    /// </summary>
    public static bool FlushesBFloat16Denormals(string name) =>
        name == "native" && QuantizedKernels.NativeKernel!.FlushesBFloat16Denormals;
}
