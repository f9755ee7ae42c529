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
    /// 2^100: the largest f32 squared norm the f32 division takes, so <c>sqrt(x·x) · sqrt(y·y)</c>
    /// stays below 2^100 and cannot overflow. Larger (or infinite) norms take the f64 path.
    /// </summary>
    private const float MaxSquaredNorm = 1267650600228229401496703205376f;

    /// <summary>
    /// The cosine from f32 sums when both squared norms are well scaled; otherwise recomputed in
    /// f64 from the vectors themselves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Combine(ReadOnlySpan<float> x, ReadOnlySpan<float> y, float xy, float xx, float yy) =>
        IsWellScaled(xx) && IsWellScaled(yy) ? FromParts(xy, xx, yy) : InDouble(x, y);

    /// <summary>True when an f32 squared norm is within [2^-64, 2^100] (false for NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsWellScaled(float squaredNorm) =>
        squaredNorm >= MinSquaredNorm && squaredNorm <= MaxSquaredNorm;

    /// <summary>
    /// f32 throughout, as the Rust crate's <c>cosine_from_parts</c>: both norms well scaled, the
    /// product of the two roots lies in [2^-64, 2^100]. Two independent f32 roots and an f32
    /// division are shorter in latency than an f64 root and division (which made a short cosine
    /// 1.16-1.27x TensorPrimitives at 16 to 128 floats). Clamps rounding to [-1, 1]; NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float FromParts(float xy, float xx, float yy) =>
        Math.Clamp(xy / (MathF.Sqrt(xx) * MathF.Sqrt(yy)), -1f, 1f);

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
