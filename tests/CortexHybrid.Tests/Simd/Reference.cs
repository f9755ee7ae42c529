namespace CortexHybrid.Tests.Simd;

/// <summary>
/// The f64 reference every kernel is checked against, and the stated tolerances:
/// <list type="bullet">
/// <item>dot: |got - ref| ≤ 1e-5 · Σ|x·y| + 1e-37 (the floor covers products that underflow);</item>
/// <item>squared Euclidean: |got - ref| ≤ 1e-5 · ref + 1e-37 (every term is non-negative);</item>
/// <item>cosine: |got - ref| ≤ 1e-5 (the error of x·y relative to |x||y| is bounded by the same
/// 1e-5, since Σ|x·y| ≤ |x||y|).</item>
/// </list>
/// A NaN reference requires NaN, an infinite one the same infinity.
/// </summary>
public static class Reference
{
    public const double RelativeTolerance = 1e-5;
    public const double AbsoluteFloor = 1e-37;
    public const double CosineTolerance = 1e-5;

    public static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += (double)x[i] * y[i];
        }

        return sum;
    }

    public static double DotScale(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += Math.Abs((double)x[i] * y[i]);
        }

        return sum;
    }

    public static double SquaredEuclidean(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double d = (double)x[i] - y[i];
            sum += d * d;
        }

        return sum;
    }

    /// <summary>The contract's cosine: 0 for a zero vector unless the dot product is NaN; clamped to [-1, 1].</summary>
    public static double Cosine(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double xy = Dot(x, y), xx = Dot(x, x), yy = Dot(y, y);
        if (xx == 0 || yy == 0)
        {
            return double.IsNaN(xy) ? double.NaN : 0;
        }

        return Math.Clamp(xy / Math.Sqrt(xx * yy), -1, 1);
    }

    public static void AssertDot(float got, ReadOnlySpan<float> x, ReadOnlySpan<float> y, string what) =>
        AssertClose(got, Dot(x, y), (RelativeTolerance * DotScale(x, y)) + AbsoluteFloor, "dot " + what);

    public static void AssertSquaredEuclidean(float got, ReadOnlySpan<float> x, ReadOnlySpan<float> y, string what)
    {
        double expected = SquaredEuclidean(x, y);
        AssertClose(got, expected, (RelativeTolerance * expected) + AbsoluteFloor, "squared Euclidean " + what);
    }

    public static void AssertCosine(float got, ReadOnlySpan<float> x, ReadOnlySpan<float> y, string what) =>
        AssertClose(got, Cosine(x, y), CosineTolerance, "cosine " + what);

    public static void AssertClose(float got, double expected, double tolerance, string what)
    {
        float expected32 = (float)expected;
        if (float.IsNaN(expected32))
        {
            Assert.True(float.IsNaN(got), $"{what}: expected NaN, got {got}");
        }
        else if (float.IsInfinity(expected32))
        {
            Assert.True(got == expected32, $"{what}: expected {expected32}, got {got}");
        }
        else
        {
            double error = Math.Abs(got - expected);
            Assert.True(error <= tolerance, $"{what}: got {got:R}, expected {expected:R}, error {error:E2} > {tolerance:E2}");
        }
    }

    /// <summary>Uniform in [-1, 1).</summary>
    public static float[] RandomVector(Random random, int length)
    {
        var vector = new float[length];
        for (int i = 0; i < length; i++)
        {
            vector[i] = (random.NextSingle() * 2) - 1;
        }

        return vector;
    }
}
