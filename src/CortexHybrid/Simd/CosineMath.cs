using System.Runtime.CompilerServices;

namespace CortexHybrid.Simd;

/// <summary>
/// How every backend turns <c>x·y</c>, <c>x·x</c> and <c>y·y</c> into a cosine, so that all of them
/// (and the Rust crate's <c>kernels.rs</c>) follow the same rules.
/// </summary>
internal static class CosineMath
{
    /// <summary>
    /// 2^-64: the smallest f32 squared norm trusted. Below it, squares of the entries may have
    /// underflowed (a vector of 1e-25s has an f32 squared norm of exactly 0).
    /// </summary>
    private const float MinSquaredNorm = 1f / 18446744073709551616f;

    /// <summary>
    /// The cosine from f32 sums when both squared norms are well scaled; otherwise recomputed in
    /// f64 from the vectors themselves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Combine(ReadOnlySpan<float> x, ReadOnlySpan<float> y, float xy, float xx, float yy) =>
        IsWellScaled(xx) && IsWellScaled(yy) ? FromParts(xy, xx, yy) : InDouble(x, y);

    /// <summary>True when an f32 squared norm is at least 2^-64 and finite (false for NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsWellScaled(float squaredNorm) =>
        squaredNorm >= MinSquaredNorm && squaredNorm <= float.MaxValue;

    /// <summary>Divides in f64, so <c>x·x · y·y</c> cannot overflow; clamps rounding to [-1, 1].</summary>
    private static float FromParts(float xy, float xx, float yy) =>
        Clamp(xy / Math.Sqrt((double)xx * yy));

    /// <summary>
    /// The cosine in f64 throughout: every f32 square and product is exact in f64's range. A zero
    /// vector gives 0 unless the dot product is NaN (a NaN or an infinity met the zero vector).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float InDouble(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double xy = 0, xx = 0, yy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double a = x[i], b = y[i];
            xy += a * b;
            xx += a * a;
            yy += b * b;
        }

        if (xx == 0 || yy == 0)
        {
            return double.IsNaN(xy) ? float.NaN : 0f;
        }

        return Clamp(xy / Math.Sqrt(xx * yy));
    }

    /// <summary>Math.Clamp keeps NaN as NaN.</summary>
    private static float Clamp(double cosine) => (float)Math.Clamp(cosine, -1.0, 1.0);
}
