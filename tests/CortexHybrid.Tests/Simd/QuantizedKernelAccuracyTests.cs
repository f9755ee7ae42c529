using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Simd;

/// <summary>
/// Every quantized path against the wide references of <see cref="QuantizedReference"/>: int8
/// exactly, bf16 within the stated tolerance.
/// </summary>
public class QuantizedKernelAccuracyTests
{
    /// <summary>Around every vector width (16, 32, 64 bytes; 8, 16, 32 bf16), the embedding sizes and a few odd ones.</summary>
    public static readonly int[] Lengths =
        [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 95, 127, 128, 129, 191, 255, 257, 384, 768, 1001, 1536, 2049, 4099];

    private static readonly int[] s_offsets = [0, 1, 3, 7];

    [Theory]
    [MemberData(nameof(QuantizedBackends.All), MemberType = typeof(QuantizedBackends))]
    public void Int8_dot_is_exact_at_every_length_and_unaligned_offset(string backend)
    {
        IQuantizedKernel kernel = QuantizedBackends.Get(backend);
        var random = new Random(18);
        foreach (int n in Lengths)
        {
            foreach (int offset in s_offsets)
            {
                // Slices of larger arrays, x and y at different odd offsets: no load is aligned.
                sbyte[] backingX = QuantizedReference.RandomInt8(random, n + offset + 9);
                sbyte[] backingY = QuantizedReference.RandomInt8(random, n + offset + 9);
                ReadOnlySpan<sbyte> x = backingX.AsSpan(offset, n), y = backingY.AsSpan(offset + 1, n);
                Assert.True(QuantizedReference.DotInt8(x, y) == kernel.DotInt8(x, y), $"{backend} n={n} offset={offset}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(QuantizedBackends.All), MemberType = typeof(QuantizedBackends))]
    public void BFloat16_dot_is_within_tolerance_at_every_length_and_unaligned_offset(string backend)
    {
        IQuantizedKernel kernel = QuantizedBackends.Get(backend);
        var random = new Random(19);
        foreach (int n in Lengths)
        {
            foreach (int offset in s_offsets)
            {
                ushort[] backingX = QuantizedReference.RandomBFloat16(random, n + offset + 9);
                ushort[] backingY = QuantizedReference.RandomBFloat16(random, n + offset + 9);
                ReadOnlySpan<ushort> x = backingX.AsSpan(offset, n), y = backingY.AsSpan(offset + 1, n);
                QuantizedReference.AssertBFloat16(kernel.DotBFloat16(x, y), x, y, flushDenormals: false, $"{backend} n={n} offset={offset}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(QuantizedBackends.All), MemberType = typeof(QuantizedBackends))]
    public void Int8_extremes_at_the_longest_admitted_length_are_exact(string backend)
    {
        IQuantizedKernel kernel = QuantizedBackends.Get(backend);
        const int n = QuantizedKernels.MaxInt8Length;
        sbyte[] low = Enumerable.Repeat(sbyte.MinValue, n).ToArray();
        sbyte[] high = Enumerable.Repeat(sbyte.MaxValue, n).ToArray();

        // 131071 · 16384 = 2,147,467,264: the largest dot product there is, 16,383 below int.MaxValue.
        Assert.Equal(2_147_467_264, kernel.DotInt8(low, low));
        Assert.Equal(131_071 * 16_129, kernel.DotInt8(high, high));
        Assert.Equal(-131_071 * 16_256, kernel.DotInt8(low, high));
        Assert.Equal(-131_071 * 16_256, kernel.DotInt8(high, low));

        // The same through the batch entry, a row of each.
        sbyte[] rows = [.. low, .. high];
        int[] destination = new int[2];
        kernel.DotBatchInt8(low, rows, destination);
        Assert.Equal([2_147_467_264, -131_071 * 16_256], destination);

        // Alternating extremes cancel in pairs; random ones at full length against the reference.
        sbyte[] alternating = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? sbyte.MinValue : sbyte.MaxValue).ToArray();
        Assert.Equal(QuantizedReference.DotInt8(alternating, high), kernel.DotInt8(alternating, high));
        var random = new Random(20);
        sbyte[] x = QuantizedReference.RandomInt8(random, n), y = QuantizedReference.RandomInt8(random, n);
        Assert.Equal(QuantizedReference.DotInt8(x, y), kernel.DotInt8(x, y));
    }

    [Theory]
    [MemberData(nameof(QuantizedBackends.All), MemberType = typeof(QuantizedBackends))]
    public void BFloat16_NaN_and_infinities_propagate(string backend)
    {
        IQuantizedKernel kernel = QuantizedBackends.Get(backend);
        const ushort nan = 0x7FC0, infinity = 0x7F80, negativeInfinity = 0xFF80, one = 0x3F80, minusTwo = 0xC000, signallingNaN = 0x7F81;
        var random = new Random(21);
        foreach (int n in new[] { 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 65, 384, 1001 })
        {
            for (int trial = 0; trial < 4; trial++)
            {
                int at = random.Next(n);
                ushort[] x = QuantizedReference.RandomBFloat16(random, n);
                ushort[] y = QuantizedReference.RandomBFloat16(random, n);
                string what = $"{backend} n={n} at={at}";

                x[at] = nan;
                Assert.True(float.IsNaN(kernel.DotBFloat16(x, y)), $"{what}: NaN");
                Assert.True(float.IsNaN(kernel.DotBFloat16(y, x)), $"{what}: NaN (swapped)");
                x[at] = signallingNaN;
                Assert.True(float.IsNaN(kernel.DotBFloat16(x, y)), $"{what}: signalling NaN");

                x[at] = infinity;
                y[at] = one;
                Assert.Equal(float.PositiveInfinity, kernel.DotBFloat16(x, y));
                y[at] = minusTwo;
                Assert.Equal(float.NegativeInfinity, kernel.DotBFloat16(x, y));
                y[at] = 0;
                Assert.True(float.IsNaN(kernel.DotBFloat16(x, y)), $"{what}: ∞·0");
                y[at] = 0x8000;
                Assert.True(float.IsNaN(kernel.DotBFloat16(x, y)), $"{what}: ∞·-0");

                if (n > 1)
                {
                    y[at] = one;
                    int other = (at + 1) % n;
                    x[other] = negativeInfinity;
                    y[other] = one;
                    Assert.True(float.IsNaN(kernel.DotBFloat16(x, y)), $"{what}: ∞ - ∞");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(QuantizedBackends.All), MemberType = typeof(QuantizedBackends))]
    public void BFloat16_denormals_are_kept_or_flushed_as_the_path_states(string backend)
    {
        IQuantizedKernel kernel = QuantizedBackends.Get(backend);
        bool flushes = QuantizedBackends.FlushesBFloat16Denormals(backend);

        // 0x0040 is 2^-127, a bf16 denormal; times 2^100 (0x71800000's upper half) it is 2^-27, a
        // normal f32. 2^-70 squared is 2^-140, a denormal f32 result. Alone among zeros, at every
        // position of vectors long enough for every vector width and the tails.
        const ushort denormal = 0x0040, big = 0x7180, tiny = 0x1C80;
        Assert.Equal(Math.ScaleB(1.0, -127), QuantizedReference.BFloat16Value(denormal));
        Assert.Equal(Math.ScaleB(1.0, 100), QuantizedReference.BFloat16Value(big));
        Assert.Equal(Math.ScaleB(1.0, -70), QuantizedReference.BFloat16Value(tiny));
        foreach (int n in new[] { 1, 9, 17, 33, 70 })
        {
            for (int at = 0; at < n; at++)
            {
                ushort[] x = new ushort[n], y = new ushort[n], t = new ushort[n];
                x[at] = denormal;
                y[at] = big;
                t[at] = tiny;
                float product = kernel.DotBFloat16(x, y);
                float underflow = kernel.DotBFloat16(t, t);
                Assert.True(product == (flushes ? 0f : MathF.ScaleB(1f, -27)), $"{backend} n={n} at={at}: denormal input gave {product:R}");
                Assert.True(underflow == (flushes ? 0f : MathF.ScaleB(1f, -140)), $"{backend} n={n} at={at}: denormal result gave {underflow:R}");
            }
        }

        // Denormals mixed into random data, against the path's own reference.
        var random = new Random(22);
        foreach (int n in new[] { 1, 7, 16, 17, 33, 64, 100, 768 })
        {
            ushort[] x = QuantizedReference.RandomBFloat16(random, n);
            for (int i = 0; i < n; i++)
            {
                if (random.Next(3) == 0)
                {
                    x[i] = (ushort)((x[i] & 0x8000) | random.Next(1, 0x80));
                }
            }

            ushort[] y = Enumerable.Range(0, n).Select(_ => (ushort)((random.Next(2) << 15) | ((127 + random.Next(100, 111)) << 7) | random.Next(128))).ToArray();
            QuantizedReference.AssertBFloat16(kernel.DotBFloat16(x, y), x, y, flushes, $"{backend} n={n} denormals");
        }
    }
}
