namespace CortexHybrid.Tests.Simd;

/// <summary>
/// The wide references the quantized kernels are checked against, computed without the code under
/// test, and the bf16 tolerance the Rust crate states (quantized_tests.rs):
/// |got - ref| ≤ 2e-5 · Σ|x·y| + (n + 1) · 2^-126, where ref is the f64 sum of the exact products
/// of the bf16 values (with denormal inputs read as zero on a path that flushes them). A NaN
/// reference requires NaN, an infinite one the same infinity.
/// </summary>
public static class QuantizedReference
{
    public const double BFloat16RelativeTolerance = 2e-5;

    /// <summary>2^-126, the smallest normal f32: the most one flushed partial sum can lose.</summary>
    public static readonly double SmallestNormal = Math.ScaleB(1.0, -126);

    public static long DotInt8(ReadOnlySpan<sbyte> x, ReadOnlySpan<sbyte> y)
    {
        long sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += (long)x[i] * y[i];
        }

        return sum;
    }

    /// <summary>
    /// The value of a bf16 bit pattern, decoded field by field (sign, 8 exponent bits, 7 significand
    /// bits) rather than by reinterpreting it as the upper half of an f32 as the kernels do.
    /// </summary>
    public static double BFloat16Value(ushort bits, bool flushDenormals = false)
    {
        int sign = (bits & 0x8000) != 0 ? -1 : 1;
        int exponent = (bits >> 7) & 0xFF;
        int significand = bits & 0x7F;
        return exponent switch
        {
            0xFF => significand == 0 ? sign * double.PositiveInfinity : double.NaN,
            0 => flushDenormals ? sign * 0.0 : sign * Math.ScaleB(significand, -126 - 7),
            _ => sign * Math.ScaleB(128 + significand, exponent - 127 - 7),
        };
    }

    /// <summary>(Σ x·y, Σ|x·y|) of the bf16 values, in f64 (each product is exact in f64).</summary>
    public static (double Sum, double Scale) DotBFloat16(ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y, bool flushDenormals)
    {
        double sum = 0, scale = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double product = BFloat16Value(x[i], flushDenormals) * BFloat16Value(y[i], flushDenormals);
            sum += product;
            scale += Math.Abs(product);
        }

        return (sum, scale);
    }

    public static double BFloat16Tolerance(double scale, int n) => (BFloat16RelativeTolerance * scale) + ((n + 1) * SmallestNormal);

    public static void AssertBFloat16(float got, ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y, bool flushDenormals, string what)
    {
        (double expected, double scale) = DotBFloat16(x, y, flushDenormals);
        Reference.AssertClose(got, expected, BFloat16Tolerance(scale, x.Length), "bf16 dot " + what);
    }

    /// <summary>Uniform over all 256 int8 values.</summary>
    public static sbyte[] RandomInt8(Random random, int length)
    {
        var vector = new sbyte[length];
        random.NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan()));
        return vector;
    }

    /// <summary>
    /// Random normal bf16 bit patterns built from their fields: a random sign, an exponent within
    /// 2^±12 and a random 7-bit significand, so sums mix magnitudes and cancel.
    /// </summary>
    public static ushort[] RandomBFloat16(Random random, int length)
    {
        var vector = new ushort[length];
        for (int i = 0; i < length; i++)
        {
            int sign = random.Next(2) << 15;
            int exponent = 127 + random.Next(-12, 13);
            vector[i] = (ushort)(sign | (exponent << 7) | random.Next(128));
        }

        return vector;
    }
}
