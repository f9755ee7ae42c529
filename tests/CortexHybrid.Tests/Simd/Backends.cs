using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Simd;

/// <summary>
/// Every kernel path this process can run, by name, for theories: the scalar loops, each managed
/// vector width (forced through the narrower engine chains) and the native library on the
/// instruction set it chose (AVX-512 here; CI runs the suite again with CORTEX_NATIVE_ISA=avx2),
/// and the crossover kernel <see cref="SimilarityKernels.Default"/> is when <c>CORTEX_KERNEL</c> is
/// not set (managed below <see cref="SimilarityKernels.NativeCrossover"/> floats, native from there),
/// built here whatever this process's <c>CORTEX_KERNEL</c> says.
/// </summary>
public static class Backends
{
    public static TheoryData<string> All => new() { "scalar", "managed128", "managed256", "managed512", "native", "crossover" };

    public static ISimilarityKernel Get(string name) => name switch
    {
        "scalar" => SimilarityKernels.Scalar,
        "managed128" => ManagedKernels.UpTo128,
        "managed256" => ManagedKernels.UpTo256,
        "managed512" => ManagedKernels.UpTo512,
        "native" => SimilarityKernels.Native
            ?? throw new InvalidOperationException($"The native kernel must be available for the tests: {SimilarityKernels.NativeUnavailableReason}"),
        "crossover" => ManagedKernels.WithNativeFrom(Get("native"), SimilarityKernels.NativeCrossover),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown backend"),
    };
}
