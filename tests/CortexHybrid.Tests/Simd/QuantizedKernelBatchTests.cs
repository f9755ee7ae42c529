using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Simd;

/// <summary>Batches equal pair results bit for bit, and no path reads past the end of its input.</summary>
public class QuantizedKernelBatchTests
{
    private static readonly int[] s_dimensions = [1, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 384, 768, 1536];

    [Theory]
    [MemberData(nameof(QuantizedBackends.All), MemberType = typeof(QuantizedBackends))]
    public void Batch_results_equal_pair_results_bit_for_bit(string backend)
    {
        IQuantizedKernel kernel = QuantizedBackends.Get(backend);
        var random = new Random(30);
        foreach (int dimension in s_dimensions)
        {
            foreach (int count in new[] { 0, 1, 2, 3, 5, 9 })
            {
                // Rows start one element into their array: unaligned, and each row starts at a different alignment.
                sbyte[] query8 = QuantizedReference.RandomInt8(random, dimension);
                ReadOnlySpan<sbyte> rows8 = QuantizedReference.RandomInt8(random, (dimension * count) + 1).AsSpan(1);
                int[] scores8 = new int[count];
                kernel.DotBatchInt8(query8, rows8, scores8);

                ushort[] query16 = QuantizedReference.RandomBFloat16(random, dimension);
                ReadOnlySpan<ushort> rows16 = QuantizedReference.RandomBFloat16(random, (dimension * count) + 1).AsSpan(1);
                float[] scores16 = new float[count];
                kernel.DotBatchBFloat16(query16, rows16, scores16);

                for (int r = 0; r < count; r++)
                {
                    string what = $"{backend} dimension={dimension} row {r} of {count}";
                    ReadOnlySpan<sbyte> row8 = rows8.Slice(r * dimension, dimension);
                    Assert.True(kernel.DotInt8(query8, row8) == scores8[r], what);
                    Assert.True(QuantizedReference.DotInt8(query8, row8) == scores8[r], what);

                    ReadOnlySpan<ushort> row16 = rows16.Slice(r * dimension, dimension);
                    float pair = kernel.DotBFloat16(query16, row16);
                    Assert.True(BitConverter.SingleToInt32Bits(pair) == BitConverter.SingleToInt32Bits(scores16[r]), $"{what}: pair {pair:R}, batch {scores16[r]:R}");
                    QuantizedReference.AssertBFloat16(scores16[r], query16, row16, QuantizedBackends.FlushesBFloat16Denormals(backend), what);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(QuantizedBackends.All), MemberType = typeof(QuantizedBackends))]
    public void No_path_reads_past_the_end_of_its_input(string backend)
    {
        IQuantizedKernel kernel = QuantizedBackends.Get(backend);
        using var pageX = new GuardedMemory();
        using var pageY = new GuardedMemory();
        var random = new Random(31);

        // Every length up to a page: each ends at a guard page, so one element read too far crashes
        // the test process; the starts fall at every alignment.
        for (int n = 0; n <= 4096; n += n < 300 ? 1 : 61)
        {
            Span<sbyte> x8 = pageX.AtEnd(QuantizedReference.RandomInt8(random, n));
            Span<sbyte> y8 = pageY.AtEnd(QuantizedReference.RandomInt8(random, n));
            Assert.True(QuantizedReference.DotInt8(x8, y8) == kernel.DotInt8(x8, y8), $"{backend} int8 n={n}");

            if (n <= 2048)
            {
                Span<ushort> x16 = pageX.AtEnd(QuantizedReference.RandomBFloat16(random, n));
                Span<ushort> y16 = pageY.AtEnd(QuantizedReference.RandomBFloat16(random, n));
                QuantizedReference.AssertBFloat16(kernel.DotBFloat16(x16, y16), x16, y16, flushDenormals: false, $"{backend} n={n}");
            }
        }

        // Batches whose last row ends at the guard page (the query too).
        foreach (int dimension in s_dimensions)
        {
            int count = Math.Min(5, 2048 / dimension);
            Span<sbyte> query8 = pageX.AtEnd(QuantizedReference.RandomInt8(random, dimension));
            Span<sbyte> rows8 = pageY.AtEnd(QuantizedReference.RandomInt8(random, dimension * count));
            int[] scores8 = new int[count];
            kernel.DotBatchInt8(query8, rows8, scores8);
            Assert.True(QuantizedReference.DotInt8(query8, rows8[^dimension..]) == scores8[^1], $"{backend} int8 batch dimension={dimension}");

            Span<ushort> query16 = pageX.AtEnd(QuantizedReference.RandomBFloat16(random, dimension));
            Span<ushort> rows16 = pageY.AtEnd(QuantizedReference.RandomBFloat16(random, dimension * count));
            float[] scores16 = new float[count];
            kernel.DotBatchBFloat16(query16, rows16, scores16);
            QuantizedReference.AssertBFloat16(scores16[^1], query16, rows16[^dimension..], flushDenormals: false, $"{backend} bf16 batch dimension={dimension}");
        }
    }
}
