namespace CortexHybrid.Native;

/// <summary>What loading <c>libcortex_simd</c> found: the library and its capabilities, or why not.</summary>
/// <param name="Path">Where the library was loaded from.</param>
/// <param name="Version">The version the library reports.</param>
/// <param name="Capabilities">The <c>CORTEX_*</c> flags from <c>cortex_capabilities</c>.</param>
/// <param name="FailureReason">Why the library cannot be used; null when it can.</param>
internal sealed record NativeLibraryLoadResult(string? Path, string? Version, uint Capabilities, string? FailureReason)
{
    /// <summary>True when the library is loaded and verified.</summary>
    public bool IsLoaded => FailureReason is null;

    /// <summary>The active instruction set: <c>avx512</c> or <c>avx2</c>.</summary>
    public string InstructionSet => (Capabilities & NativeMethods.CORTEX_ACTIVE_AVX512F) != 0 ? "avx512" : "avx2";

    /// <summary>True when <c>CORTEX_NATIVE_ISA</c> forced the instruction set.</summary>
    public bool InstructionSetForced => (Capabilities & NativeMethods.CORTEX_ISA_FORCED) != 0;

    /// <summary>The public description of the loaded library; null when it is not loaded.</summary>
    public NativeLibraryInfo? Info => IsLoaded
        ? new NativeLibraryInfo(
            Path!,
            Version!,
            InstructionSet,
            InstructionSetForced,
            (Capabilities & NativeMethods.CORTEX_CPU_AVX2) != 0,
            (Capabilities & NativeMethods.CORTEX_CPU_FMA) != 0,
            (Capabilities & NativeMethods.CORTEX_CPU_AVX512F) != 0)
        : null;

    public static NativeLibraryLoadResult Loaded(string path, string version, uint capabilities) => new(path, version, capabilities, null);

    public static NativeLibraryLoadResult Failed(string reason) => new(null, null, 0, reason);
}
