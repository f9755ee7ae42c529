namespace CortexHybrid.Simd;

/// <summary>Which implementation computes a similarity kernel.</summary>
public enum KernelBackend
{
    /// <summary>Plain loops with four independent accumulators; runs everywhere.</summary>
    Scalar,

    /// <summary>.NET hardware intrinsics: <c>Vector512</c>, else <c>Vector256</c>, else <c>Vector128</c>.</summary>
    Managed,

    /// <summary>The Rust <c>cortex_simd</c> library: AVX-512F where the CPU has it, else AVX2 + FMA.</summary>
    Native,
}
