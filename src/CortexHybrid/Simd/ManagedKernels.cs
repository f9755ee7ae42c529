using System.Runtime.Intrinsics;

namespace CortexHybrid.Simd;

/// <summary>
/// The managed kernels, by the widest vector they may use. <see cref="SimilarityKernels.Managed"/>
/// is <see cref="UpTo512"/>; tests use the narrower ones to force each width on one machine.
/// </summary>
internal static class ManagedKernels
{
    /// <summary>Vector128, else scalar loops.</summary>
    public static ISimilarityKernel UpTo128 { get; } =
        new SpanSimilarityKernel<VectorEngine<Vector128<float>, Vector128Isa, ScalarEngine>>();

    /// <summary>Vector256, else Vector128, else scalar loops.</summary>
    public static ISimilarityKernel UpTo256 { get; } =
        new SpanSimilarityKernel<VectorEngine<Vector256<float>, Vector256Isa,
            VectorEngine<Vector128<float>, Vector128Isa, ScalarEngine>>>();

    /// <summary>Vector512, else Vector256, else Vector128, else scalar loops.</summary>
    public static ISimilarityKernel UpTo512 { get; } =
        new SpanSimilarityKernel<VectorEngine<Vector512<float>, Vector512Isa,
            VectorEngine<Vector256<float>, Vector256Isa,
                VectorEngine<Vector128<float>, Vector128Isa, ScalarEngine>>>>();
}
