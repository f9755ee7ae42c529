namespace CortexHybrid.Native;

/// <summary>The native library this process loaded: where from, which version, and what it runs on.</summary>
/// <param name="Path">The file loaded, or how the runtime's probing found it.</param>
/// <param name="Version">The <c>cortex_simd</c> version the library reports (equal to the one the bindings were generated from).</param>
/// <param name="InstructionSet">The kernels' instruction set: <c>avx512</c> or <c>avx2</c>.</param>
/// <param name="InstructionSetForced">True when <c>CORTEX_NATIVE_ISA=avx2</c> forced AVX2 on a CPU with AVX-512.</param>
/// <param name="CpuHasAvx2">The CPU has AVX2, as the library detects it.</param>
/// <param name="CpuHasFma">The CPU has FMA, as the library detects it.</param>
/// <param name="CpuHasAvx512F">The CPU has AVX-512F, as the library detects it.</param>
public sealed record NativeLibraryInfo(
    string Path,
    string Version,
    string InstructionSet,
    bool InstructionSetForced,
    bool CpuHasAvx2,
    bool CpuHasFma,
    bool CpuHasAvx512F);
