using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Simd;

/// <summary>
/// float32 ⇄ bfloat16 against bit patterns worked out by hand, and against a rounding reference
/// that picks the nearer of the two neighbours by value rather than by the carry trick.
/// </summary>
public class BFloat16BitsTests
{
    [Theory]
    [InlineData(0x3F800000u, (ushort)0x3F80)] // 1
    [InlineData(0x3F808000u, (ushort)0x3F80)] // 1 + 2^-8: halfway between 1 and 1 + 2^-7, to even (down)
    [InlineData(0x3F818000u, (ushort)0x3F82)] // 1 + 3·2^-8: halfway, kept half odd, to even (up)
    [InlineData(0x3F808001u, (ushort)0x3F81)] // just above halfway: up
    [InlineData(0x3F807FFFu, (ushort)0x3F80)] // just below halfway: down
    [InlineData(0xC0200000u, (ushort)0xC020)] // -2.5, exact
    [InlineData(0xBF818000u, (ushort)0xBF82)] // negative ties go to even magnitude too
    [InlineData(0x7F7FFFFFu, (ushort)0x7F80)] // float.MaxValue rounds up to +∞
    [InlineData(0xFF7FFFFFu, (ushort)0xFF80)] // float.MinValue to -∞
    [InlineData(0x7F7F7FFFu, (ushort)0x7F7F)] // below halfway at the top: the largest finite bfloat16
    [InlineData(0x7F800000u, (ushort)0x7F80)] // +∞
    [InlineData(0xFF800000u, (ushort)0xFF80)] // -∞
    [InlineData(0x00000000u, (ushort)0x0000)] // +0
    [InlineData(0x80000000u, (ushort)0x8000)] // -0
    [InlineData(0x00000001u, (ushort)0x0000)] // float.Epsilon rounds to +0
    [InlineData(0x80000001u, (ushort)0x8000)] // -float.Epsilon to -0
    [InlineData(0x00008000u, (ushort)0x0000)] // denormal tie, kept half 0 (even): down
    [InlineData(0x00018000u, (ushort)0x0002)] // denormal tie, kept half 1 (odd): up
    [InlineData(0x00008001u, (ushort)0x0001)] // denormal just above halfway: up
    [InlineData(0x007FFFFFu, (ushort)0x0080)] // the largest denormal rounds up to 2^-126, a normal
    [InlineData(0x7FC00000u, (ushort)0x7FC0)] // quiet NaN
    [InlineData(0x7F800001u, (ushort)0x7FC0)] // signalling NaN whose payload is only in the dropped half: still NaN (truncating would give ∞)
    [InlineData(0xFFC00000u, (ushort)0x7FC0)] // negative NaN: the one quiet NaN
    [InlineData(0x7FFFFFFFu, (ushort)0x7FC0)] // NaN that the carry would otherwise overflow
    public void FromSingle_rounds_to_nearest_even(uint single, ushort expected)
    {
        ushort got = BFloat16Bits.FromSingle(BitConverter.UInt32BitsToSingle(single));
        Assert.True(expected == got, $"0x{single:X8}: expected 0x{expected:X4}, got 0x{got:X4}");

        // The span version, alone and as the last element after a vector's worth.
        float[] source = [.. Enumerable.Repeat(1f, 40), BitConverter.UInt32BitsToSingle(single)];
        ushort[] destination = new ushort[source.Length];
        BFloat16Bits.FromSingle(source, destination);
        Assert.Equal(expected, destination[^1]);
        BFloat16Bits.FromSingle(source.AsSpan(^1), destination);
        Assert.Equal(expected, destination[0]);
    }

    [Theory]
    [InlineData((ushort)0x3F80, 1f)]
    [InlineData((ushort)0xC020, -2.5f)]
    [InlineData((ushort)0x4049, 3.140625f)]
    [InlineData((ushort)0x0080, 1.17549435e-38f)] // 2^-126
    [InlineData((ushort)0x0001, 9.18354962e-41f)] // 2^-133, the smallest bfloat16 denormal
    [InlineData((ushort)0x7F7F, 3.38953139e38f)] // the largest finite bfloat16
    [InlineData((ushort)0x7F80, float.PositiveInfinity)]
    [InlineData((ushort)0xFF80, float.NegativeInfinity)]
    [InlineData((ushort)0x8000, -0f)]
    public void ToSingle_is_exact(ushort bits, float expected)
    {
        Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(BFloat16Bits.ToSingle(bits)));
        Assert.Equal(expected, QuantizedReference.BFloat16Value(bits));
    }

    [Fact]
    public void Every_bfloat16_round_trips_and_every_NaN_stays_NaN()
    {
        ushort[] all = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        float[] singles = new float[all.Length];
        ushort[] back = new ushort[all.Length];
        BFloat16Bits.ToSingle(all, singles);
        BFloat16Bits.FromSingle(singles, back);
        for (int i = 0; i < all.Length; i++)
        {
            double value = QuantizedReference.BFloat16Value(all[i]);
            Assert.True(double.IsNaN(value) ? float.IsNaN(singles[i]) : value == singles[i], $"0x{i:X4} widened to {singles[i]:R}");
            ushort expected = double.IsNaN(value) ? BFloat16Bits.QuietNaN : all[i];
            Assert.True(expected == back[i], $"0x{i:X4} came back as 0x{back[i]:X4}");
            Assert.Equal(singles[i], BFloat16Bits.ToSingle(all[i]));
            Assert.Equal(back[i], BFloat16Bits.FromSingle(singles[i]));
        }
    }

    [Fact]
    public void FromSingle_picks_the_nearer_neighbour_for_random_floats_of_every_magnitude()
    {
        var random = new Random(50);
        foreach (int n in new[] { 0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 100, 1001 })
        {
            float[] source = new float[n];
            for (int i = 0; i < n; i++)
            {
                uint bits = (uint)random.NextInt64(0, 1L << 32);
                source[i] = BitConverter.UInt32BitsToSingle(random.Next(8) == 0 ? (bits & 0x8000FFFF) | 0x3F800000 : bits);
            }

            ushort[] destination = new ushort[n + 3];
            BFloat16Bits.FromSingle(source, destination);
            for (int i = 0; i < n; i++)
            {
                ushort expected = NearestEven(source[i]);
                Assert.True(expected == destination[i], $"n={n} {source[i]:R} (0x{BitConverter.SingleToUInt32Bits(source[i]):X8}): expected 0x{expected:X4}, got 0x{destination[i]:X4}");
                Assert.Equal(expected, BFloat16Bits.FromSingle(source[i]));
            }

            Assert.All(destination[n..], value => Assert.Equal(0, value));
        }
    }

    [Fact]
    public void Span_conversions_reject_a_short_or_overlapping_destination()
    {
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => BFloat16Bits.FromSingle(new float[5], new ushort[4])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => BFloat16Bits.ToSingle(new ushort[5], new float[4])).ParamName);
        float[] buffer = new float[8];
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() =>
            BFloat16Bits.FromSingle(buffer, System.Runtime.InteropServices.MemoryMarshal.Cast<float, ushort>(buffer.AsSpan()))).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() =>
            BFloat16Bits.ToSingle(System.Runtime.InteropServices.MemoryMarshal.Cast<float, ushort>(buffer.AsSpan(0, 2)), buffer)).ParamName);
        BFloat16Bits.FromSingle([], []);
        BFloat16Bits.ToSingle([], []);
    }

    /// <summary>
    /// The reference rounding: the two bfloat16 neighbours of <paramref name="value"/> (truncated and
    /// one further from zero), compared by their distance to it in double; a tie goes to the even one.
    /// </summary>
    private static ushort NearestEven(float value)
    {
        if (float.IsNaN(value))
        {
            return 0x7FC0;
        }

        ushort truncated = (ushort)(BitConverter.SingleToUInt32Bits(value) >> 16);
        ushort further = (ushort)(truncated + 1);
        double exact = value;
        double below = Math.Abs(exact - QuantizedReference.BFloat16Value(truncated));
        // Past the largest finite bfloat16 the neighbour is ∞, which rounding treats as 2^128.
        double furtherValue = (further & 0x7FFF) == 0x7F80 ? Math.CopySign(Math.ScaleB(1.0, 128), exact) : QuantizedReference.BFloat16Value(further);
        double above = Math.Abs(furtherValue - exact);
        if (double.IsInfinity(exact) || below < above)
        {
            return truncated;
        }

        return above < below || (truncated & 1) == 1 ? further : truncated;
    }
}
