using System.Numerics;
using System.Runtime.Intrinsics.X86;
using CortexHybrid.Search;

namespace CortexHybrid.Tests.Search;

/// <summary>
/// The sign-bit table and its scan: on every loop this CPU runs (scalar, AVX2, AVX-512), a scan
/// into one or several selections keeps exactly the rows a sort by (Hamming distance, row) puts
/// first, the reference being a popcount of each row's words written here; and the table's
/// blocked layout reads back what was written and moved.
/// </summary>
public class SignBitsTests
{
    public static TheoryData<int> Widths
    {
        get
        {
            var data = new TheoryData<int> { (int)SignScanWidth.Scalar };
            if (Avx2.IsSupported)
            {
                data.Add((int)SignScanWidth.Vector256);
            }

            if (Avx512BW.IsSupported)
            {
                data.Add((int)SignScanWidth.Vector512);
            }

            return data;
        }
    }

    /// <summary>
    /// Dimensions across word and block edges and past the 31 words the vector loops sum in bytes
    /// (1,985 to 4,096 elements), row counts that end mid-block, kept counts from 1 to all rows,
    /// duplicate rows (ties at the cut), and one to three partitions.
    /// </summary>
    [Theory]
    [MemberData(nameof(Widths))]
    public void A_scan_keeps_exactly_the_nearest_rows_ties_in_row_order(int widthValue)
    {
        var width = (SignScanWidth)widthValue;
        var random = new Random(1900 + widthValue);
        foreach (int dimension in new[] { 1, 7, 63, 64, 65, 127, 384, 768, 1536, 1985, 2048, 4096 })
        {
            foreach (int rows in new[] { 1, 7, 8, 9, 37, 1000 })
            {
                if ((long)dimension * rows > 1_600_000)
                {
                    continue;
                }

                ulong[][] bits = RandomRows(random, rows, dimension);
                var table = new SignBits(dimension, capacity: 1);
                for (int position = 0; position < rows; position++)
                {
                    table.Write(position, bits[position]);
                }

                ulong[] query = RandomRows(random, 1, dimension)[0];
                foreach (int kept in new[] { 1, 3, Math.Max(1, rows / 2), rows })
                {
                    foreach (int partitions in new[] { 1, 2, 3 })
                    {
                        int[] expected = Nearest(bits, query, kept);
                        int[] actual = Scan(table, query, rows, kept, partitions, width);
                        Assert.True(
                            expected.SequenceEqual(actual),
                            $"{width}, dimension {dimension}, {rows} rows, kept {kept}, {partitions} partitions: [{string.Join(", ", actual)}], expected [{string.Join(", ", expected)}]");
                    }
                }
            }
        }
    }

    /// <summary>A selection re-used after <see cref="SignSelection.Reset"/> answers the next query as a new one would.</summary>
    [Fact]
    public void A_reset_selection_answers_the_next_query_afresh()
    {
        var random = new Random(1950);
        const int Dimension = 300, Rows = 500;
        ulong[][] bits = RandomRows(random, Rows, Dimension);
        var table = new SignBits(Dimension, Rows);
        for (int position = 0; position < Rows; position++)
        {
            table.Write(position, bits[position]);
        }

        var selection = new SignSelection(20, Dimension);
        foreach (ulong[] query in RandomRows(random, 5, Dimension))
        {
            selection.Reset();
            table.Scan(query, 0, Rows, selection, SignBits.BestWidth);
            Assert.Equal(Nearest(bits, query, 20), SignSelection.Nearest([selection], 20));
        }
    }

    /// <summary>Rows written past the capacity grow the table; a move copies every word; other rows are untouched.</summary>
    [Fact]
    public void Writes_and_moves_read_back_across_blocks_and_growth()
    {
        var random = new Random(1960);
        foreach (int dimension in new[] { 1, 64, 130, 2048 })
        {
            var table = new SignBits(dimension, capacity: 3);
            ulong[][] bits = RandomRows(random, 50, dimension);
            for (int position = 0; position < bits.Length; position++)
            {
                table.Write(position, bits[position]);
            }

            Assert.True(table.AllocatedBytes >= 50L * table.WordsPerRow * sizeof(ulong));
            table.Move(49, 4);
            table.Move(17, 16);
            bits[4] = bits[49];
            bits[16] = bits[17];
            for (int position = 0; position < 49; position++)
            {
                for (int w = 0; w < table.WordsPerRow; w++)
                {
                    Assert.Equal(bits[position][w], table.Word(position, w));
                }
            }
        }
    }

    /// <summary>The bits of floats, int8 and bfloat16 codes are set exactly where the element is above zero (not for zero, -0 or negative codes).</summary>
    [Fact]
    public void Bits_are_set_where_the_element_is_above_zero()
    {
        float[] floats = [1f, -1f, 0f, -0f, float.Epsilon, -float.Epsilon, float.PositiveInfinity, float.NegativeInfinity, 3.5f];
        sbyte[] codes = [1, -1, 0, 127, -127, 0, 5, -5, 2];
        ushort[] bf16 = [0x3F80, 0xBF80, 0x0000, 0x8000, 0x0001, 0x8001, 0x7F80, 0xFF80, 0x4060];
        ulong expected = 0b1_0101_0001;
        Span<ulong> bits = stackalloc ulong[1];
        SignBits.FromSingle(floats, bits);
        Assert.Equal(expected, bits[0]);
        SignBits.FromInt8(codes, bits);
        Assert.Equal(0b1_0100_1001UL, bits[0]);
        SignBits.FromBFloat16(bf16, bits);
        Assert.Equal(expected, bits[0]);
    }

    /// <summary>The vector loops set the same bits as an element-by-element reference, at every length across vector and word edges, with zeros, -0 and denormals mixed in.</summary>
    [Fact]
    public void Bits_of_long_rows_match_an_element_by_element_reference()
    {
        var random = new Random(1970);
        float[] specials = [0f, -0f, float.Epsilon, -float.Epsilon, 1e-30f, -1e-30f];
        foreach (int length in new[] { 0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 384, 1000 })
        {
            float[] floats = [.. Enumerable.Range(0, length).Select(_ => random.Next(4) == 0 ? specials[random.Next(specials.Length)] : (float)((random.NextDouble() * 2) - 1))];
            sbyte[] codes = [.. Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-128, 128))];
            ushort[] bf16 = [.. floats.Select(f => (ushort)(BitConverter.SingleToUInt32Bits(f) >> 16))];
            bf16[..Math.Min(2, length)].AsSpan().Clear();
            var bits = new ulong[(length + 63) / 64];
            SignBits.FromSingle(floats, bits);
            Assert.Equal(Reference(length, i => floats[i] > 0), bits);
            SignBits.FromInt8(codes, bits);
            Assert.Equal(Reference(length, i => codes[i] > 0), bits);
            SignBits.FromBFloat16(bf16, bits);
            Assert.Equal(Reference(length, i => bf16[i] is > 0 and < 0x8000), bits);
        }

        static ulong[] Reference(int length, Func<int, bool> above)
        {
            var bits = new ulong[(length + 63) / 64];
            for (int i = 0; i < length; i++)
            {
                if (above(i))
                {
                    bits[i / 64] |= 1UL << (i % 64);
                }
            }

            return bits;
        }
    }

    /// <summary>Rows of random bits (none past the dimension); every fifth row repeats an earlier one, so distances tie.</summary>
    internal static ulong[][] RandomRows(Random random, int rows, int dimension)
    {
        int words = (dimension + 63) / 64;
        var result = new ulong[rows][];
        for (int r = 0; r < rows; r++)
        {
            if (r % 5 == 4)
            {
                result[r] = result[random.Next(r)];
                continue;
            }

            result[r] = new ulong[words];
            for (int i = 0; i < dimension; i++)
            {
                if (random.Next(2) == 1)
                {
                    result[r][i / 64] |= 1UL << (i % 64);
                }
            }
        }

        return result;
    }

    /// <summary>The reference: the first <paramref name="kept"/> rows by (distance, row), in row order.</summary>
    internal static int[] Nearest(ulong[][] rows, ulong[] query, int kept) =>
        [.. Enumerable.Range(0, rows.Length).OrderBy(r => Distance(rows[r], query)).ThenBy(r => r).Take(kept).Order()];

    private static int Distance(ulong[] row, ulong[] query)
    {
        int distance = 0;
        for (int w = 0; w < row.Length; w++)
        {
            distance += BitOperations.PopCount(row[w] ^ query[w]);
        }

        return distance;
    }

    private static int[] Scan(SignBits table, ulong[] query, int rows, int kept, int partitions, SignScanWidth width)
    {
        int blocks = SignBits.Blocks(rows);
        var selections = new List<SignSelection>();
        for (int p = 0; p < partitions; p++)
        {
            int start = blocks * p / partitions * SignBits.BlockRows;
            int end = Math.Min(rows, blocks * (p + 1) / partitions * SignBits.BlockRows);
            if (start >= end)
            {
                continue;
            }

            var selection = new SignSelection(kept, table.Dimension);
            table.Scan(query, start, end, selection, width);
            selections.Add(selection);
        }

        return SignSelection.Nearest([.. selections], kept);
    }
}
