using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Simd;

/// <summary>Batches: equal to the pair operation row by row, bit for bit, on every backend.</summary>
public class KernelBatchTests
{
    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Batch_results_equal_pair_results_bit_for_bit(string backend)
    {
        ISimilarityKernel kernel = Backends.Get(backend);
        var random = new Random(10);
        foreach (int dimension in new[] { 1, 3, 4, 7, 8, 15, 16, 17, 33, 64, 127, 384, 768, 1536, 4099 })
        {
            foreach (int count in new[] { 1, 2, 3, 4, 5, 7, 16 })
            {
                float[] query = Reference.RandomVector(random, dimension);
                float[] rows = Reference.RandomVector(random, dimension * count);
                rows[random.Next(rows.Length)] = float.NaN;
                if (count > 2)
                {
                    rows.AsSpan(dimension, dimension).Clear(); // a zero row
                }

                var dots = new float[count];
                var cosines = new float[count];
                kernel.DotBatch(query, rows, dots);
                kernel.CosineBatch(query, rows, cosines);
                for (int r = 0; r < count; r++)
                {
                    ReadOnlySpan<float> row = rows.AsSpan(r * dimension, dimension);
                    Assert.True(
                        BitConverter.SingleToInt32Bits(kernel.Dot(query, row)) == BitConverter.SingleToInt32Bits(dots[r]),
                        $"{backend} d={dimension} row {r}: batch dot {dots[r]:R} != pair {kernel.Dot(query, row):R}");
                    Assert.True(
                        BitConverter.SingleToInt32Bits(kernel.Cosine(query, row)) == BitConverter.SingleToInt32Bits(cosines[r]),
                        $"{backend} d={dimension} row {r}: batch cosine {cosines[r]:R} != pair {kernel.Cosine(query, row):R}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Batch_results_match_the_reference_for_rows_at_unaligned_offsets(string backend)
    {
        ISimilarityKernel kernel = Backends.Get(backend);
        var random = new Random(11);
        foreach (int dimension in new[] { 5, 16, 31, 384, 768 })
        {
            const int count = 9;
            float[] backing = Reference.RandomVector(random, (dimension * count) + 3);
            ReadOnlySpan<float> rows = backing.AsSpan(3, dimension * count);
            float[] query = Reference.RandomVector(random, dimension + 1);
            ReadOnlySpan<float> q = query.AsSpan(1);
            var dots = new float[count + 2];
            var cosines = new float[count + 2];
            kernel.DotBatch(q, rows, dots.AsSpan(1, count));
            kernel.CosineBatch(q, rows, cosines.AsSpan(1, count));
            for (int r = 0; r < count; r++)
            {
                ReadOnlySpan<float> row = rows.Slice(r * dimension, dimension);
                Reference.AssertDot(dots[r + 1], q, row, $"{backend} batch d={dimension} row {r}");
                Reference.AssertCosine(cosines[r + 1], q, row, $"{backend} batch d={dimension} row {r}");
            }

            // Nothing is written outside the destination slice.
            Assert.Equal(0f, dots[0]);
            Assert.Equal(0f, dots[^1]);
            Assert.Equal(0f, cosines[0]);
            Assert.Equal(0f, cosines[^1]);
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Batch_cosine_takes_the_f64_path_per_row_exactly_like_pair_cosine(string backend)
    {
        ISimilarityKernel kernel = Backends.Get(backend);
        var random = new Random(12);
        const int dimension = 40;
        float[] query = Reference.RandomVector(random, dimension);
        float[] rows = new float[dimension * 4];
        Reference.RandomVector(random, dimension).CopyTo(rows, 0);
        Reference.RandomVector(random, dimension).Select(v => v * 1e-30f).ToArray().CopyTo(rows, dimension); // underflows
        Reference.RandomVector(random, dimension).Select(v => v * 1e25f).ToArray().CopyTo(rows, 2 * dimension); // overflows
        Reference.RandomVector(random, dimension).CopyTo(rows, 3 * dimension);
        var cosines = new float[4];
        kernel.CosineBatch(query, rows, cosines);
        for (int r = 0; r < 4; r++)
        {
            ReadOnlySpan<float> row = rows.AsSpan(r * dimension, dimension);
            Assert.Equal(kernel.Cosine(query, row), cosines[r]);
            Reference.AssertCosine(cosines[r], query, row, $"{backend} row {r}");
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void No_rows_is_a_valid_empty_batch(string backend)
    {
        ISimilarityKernel kernel = Backends.Get(backend);
        kernel.DotBatch([1f, 2f], [], []);
        kernel.CosineBatch([1f, 2f], [], []);
    }
}
