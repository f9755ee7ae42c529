using System.Runtime.Intrinsics;
using UpTo512Engine = CortexHybrid.Simd.VectorEngine<System.Runtime.Intrinsics.Vector512<float>, CortexHybrid.Simd.Vector512Isa,
    CortexHybrid.Simd.VectorEngine<System.Runtime.Intrinsics.Vector256<float>, CortexHybrid.Simd.Vector256Isa,
        CortexHybrid.Simd.VectorEngine<System.Runtime.Intrinsics.Vector128<float>, CortexHybrid.Simd.Vector128Isa, CortexHybrid.Simd.ScalarEngine>>>;

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
    public static ISimilarityKernel UpTo512 { get; } = new SpanSimilarityKernel<UpTo512Engine>();

    /// <summary>
    /// <paramref name="native"/> from <paramref name="crossover"/> floats on, <see cref="UpTo512"/>
    /// below (see <see cref="CrossoverSimilarityKernel{TManaged}"/>).
    /// </summary>
    public static ISimilarityKernel WithNativeFrom(ISimilarityKernel native, int crossover) =>
        new CrossoverSimilarityKernel<UpTo512Engine>(native, crossover);
}
