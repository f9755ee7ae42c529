using System.Buffers.Binary;
using System.Text;
using CortexHybrid.Search;
using CortexHybrid.Tests.Support;

namespace CortexHybrid.Tests.Search;

/// <summary>
/// .fvecs and .npy files built byte by byte here, in the documented formats, read back exactly;
/// malformed files rejected with InvalidDataException and a message that says what is wrong.
/// </summary>
public class EmbeddingFileTests
{
    // Values whose bits must survive: signed zero, a subnormal, the extremes, an ordinary fraction.
    private static readonly float[] Special = [-0f, 0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, 1e-38f, 0.1f, -123.456f];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Fvecs_values_read_back_exactly(bool seekable)
    {
        var random = new Random(1000);
        foreach ((int count, int dimension) in new[] { (1, 1), (1, 9), (5, 7), (300, 16), (3, 384) })
        {
            float[] values = Values(random, count * dimension);
            EmbeddingMatrix matrix = EmbeddingFile.ReadFvecs(Open(Fvecs(dimension, values), seekable));
            Assert.Equal(dimension, matrix.Dimension);
            Assert.Equal(count, matrix.Count);
            AssertSameBits(values, matrix.Values, $"fvecs {count}x{dimension}");
            Assert.Equal(values.AsSpan(((count - 1) * dimension), dimension).ToArray(), matrix.Row(count - 1).ToArray());
        }
    }

    [Fact]
    public void Fvecs_reads_from_the_stream_position()
    {
        float[] values = [1f, 2f, 3f, 4f];
        var stream = new MemoryStream([0xEE, 0xEE, 0xEE, .. Fvecs(2, values)]) { Position = 3 };
        EmbeddingMatrix matrix = EmbeddingFile.ReadFvecs(stream);
        Assert.Equal(2, matrix.Count);
        Assert.Equal(values, matrix.Values);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Npy_values_read_back_exactly(int major)
    {
        var random = new Random(1001 + major);
        foreach ((int count, int dimension) in new[] { (1, 1), (5, 7), (64, 16), (2, 384) })
        {
            float[] values = Values(random, count * dimension);
            byte[] bytes = Npy(major, "<f4", "False", $"({count}, {dimension})", values);
            Assert.Equal(0, (bytes.Length - (values.Length * 4)) % 64);
            EmbeddingMatrix matrix = EmbeddingFile.ReadNpy(new MemoryStream(bytes));
            Assert.Equal(dimension, matrix.Dimension);
            Assert.Equal(count, matrix.Count);
            AssertSameBits(values, matrix.Values, $"npy v{major} {count}x{dimension}");
        }
    }

    [Fact]
    public void Npy_one_dimensional_shape_is_one_vector()
    {
        float[] values = [1.5f, -2.25f, 3f, 0f, -0f];
        EmbeddingMatrix matrix = EmbeddingFile.ReadNpy(new MemoryStream(Npy(1, "<f4", "False", "(5,)", values)));
        Assert.Equal(1, matrix.Count);
        Assert.Equal(5, matrix.Dimension);
        AssertSameBits(values, matrix.Values, "1-D");
    }

    [Fact]
    public void Npy_header_written_by_numpy_with_other_key_order_and_quotes_is_read()
    {
        float[] values = [1f, 2f, 3f, 4f, 5f, 6f];
        byte[] bytes = NpyWithHeader(1, "{\"shape\": (3, 2), \"fortran_order\": False, \"descr\": \"<f4\"}", values);
        EmbeddingMatrix matrix = EmbeddingFile.ReadNpy(new MemoryStream(bytes));
        Assert.Equal(3, matrix.Count);
        Assert.Equal(2, matrix.Dimension);
        Assert.Equal(values, matrix.Values);
    }

    [Fact]
    public void Read_by_path_chooses_the_format_by_extension()
    {
        using var directory = new TemporaryDirectory();
        float[] values = Values(new Random(1002), 4 * 6);
        foreach ((string name, byte[] bytes) in new[]
        {
            ("a.fvecs", Fvecs(6, values)),
            ("b.FVECS", Fvecs(6, values)),
            ("c.npy", Npy(1, "<f4", "False", "(4, 6)", values)),
            ("d.Npy", Npy(2, "<f4", "False", "(4, 6)", values)),
        })
        {
            string path = Path.Combine(directory.Path, name);
            File.WriteAllBytes(path, bytes);
            EmbeddingMatrix matrix = EmbeddingFile.Read(path);
            Assert.Equal(4, matrix.Count);
            Assert.Equal(6, matrix.Dimension);
            AssertSameBits(values, matrix.Values, name);
        }

        foreach (string name in new[] { "f.bin", "g.npz", "h", "i.fvecs.txt" })
        {
            string path = Path.Combine(directory.Path, name);
            File.WriteAllBytes(path, Fvecs(6, values));
            var e = Assert.Throws<NotSupportedException>(() => EmbeddingFile.Read(path));
            Assert.Contains(".fvecs", e.Message, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string, byte[], string> BadFvecs => new()
    {
        { "empty", [], "no vectors" },
        { "zero dimension", Int32(0), "dimension 0" },
        { "negative dimension", [.. Int32(-3), .. new byte[12]], "dimension -3" },
        { "mixed dimensions", [.. Fvecs(4, new float[8]), .. Fvecs(5, new float[5])], "vector 2 has dimension 5, but vector 0 has 4" },
        { "negative later dimension", [.. Fvecs(4, new float[4]), .. Int32(-1)], "vector 1 has dimension -1" },
        { "truncated vector", Fvecs(4, new float[12])[..^5], "vector 2 is cut short" },
        { "truncated first vector", Fvecs(4, new float[4])[..^1], "vector 0 is cut short" },
        { "dimension only", Int32(3), "vector 0 is cut short" },
        { "truncated dimension field", [.. Fvecs(2, new float[4]), 2, 0], "vector 2 is cut short in its dimension field" },
        { "truncated first dimension field", [7, 0, 0], "vector 0 is cut short in its dimension field" },
    };

    [Theory]
    [MemberData(nameof(BadFvecs))]
    public void Malformed_fvecs_are_InvalidDataException(string what, byte[] bytes, string message)
    {
        foreach (bool seekable in new[] { true, false })
        {
            var e = Assert.Throws<InvalidDataException>(() => EmbeddingFile.ReadFvecs(Open(bytes, seekable)));
            Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{what} (seekable {seekable}): message '{e.Message}' lacks '{message}'");
            Assert.StartsWith("fvecs", e.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>A dimension field far larger than the file is a truncated file, not a reason to allocate the claimed size.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Fvecs_with_an_absurd_dimension_is_InvalidDataException(bool seekable)
    {
        byte[] bytes = [.. Int32(int.MaxValue), .. new byte[16]];
        // Rejected from the dimension field alone, before anything that size is allocated.
        var e = Assert.Throws<InvalidDataException>(() => EmbeddingFile.ReadFvecs(Open(bytes, seekable)));
        Assert.Contains("dimension 2147483647", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[], string> BadNpy => new()
    {
        { "bad magic", [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Z', .. Npy(1, "<f4", "False", "(1, 2)", [1f, 2f])[6..]], "magic" },
        { "too short for the magic", [0x93, (byte)'N', (byte)'U'], "magic" },
        { "float64", Npy(1, "<f8", "False", "(1, 2)", [1f, 2f, 3f, 4f]), "'<f8'" },
        { "int32", Npy(1, "<i4", "False", "(1, 2)", [1f, 2f]), "'<i4'" },
        { "big-endian float32", Npy(1, ">f4", "False", "(1, 2)", [1f, 2f]), "'>f4'" },
        { "float16", Npy(1, "<f2", "False", "(1, 2)", [1f]), "'<f2'" },
        { "Fortran order", Npy(1, "<f4", "True", "(2, 2)", [1f, 2f, 3f, 4f]), "Fortran" },
        { "3-D shape", Npy(1, "<f4", "False", "(2, 2, 2)", new float[8]), "(2, 2, 2)" },
        { "scalar shape", Npy(1, "<f4", "False", "()", [1f]), "shape" },
        { "no rows", Npy(1, "<f4", "False", "(0, 4)", []), "no vectors" },
        { "no columns", Npy(1, "<f4", "False", "(3, 0)", []), "no vectors" },
        { "negative shape", Npy(1, "<f4", "False", "(-1, 4)", new float[4]), "shape" },
        { "truncated data", Npy(1, "<f4", "False", "(3, 4)", new float[12])[..^3], "cut short" },
        { "no data", Npy(2, "<f4", "False", "(3, 4)", []), "cut short" },
        { "header cut short", Npy(1, "<f4", "False", "(3, 4)", new float[12])[..40], "header is cut short" },
        { "header length cut short", Npy(1, "<f4", "False", "(3, 4)", [])[..9], "header length" },
        { "v2 header length cut short", Npy(2, "<f4", "False", "(3, 4)", [])[..11], "header length" },
        { "version 4", [0x93, .. "NUMPY"u8.ToArray(), 4, 0, .. Npy(1, "<f4", "False", "(1, 1)", [1f])[8..]], "version 4" },
        { "no descr", NpyWithHeader(1, "{'fortran_order': False, 'shape': (1, 1), }", [1f]), "'descr'" },
        { "no shape", NpyWithHeader(1, "{'descr': '<f4', 'fortran_order': False, }", [1f]), "'shape'" },
    };

    [Theory]
    [MemberData(nameof(BadNpy))]
    public void Malformed_npy_are_InvalidDataException(string what, byte[] bytes, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => EmbeddingFile.ReadNpy(new MemoryStream(bytes)));
        Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{what}: message '{e.Message}' lacks '{message}'");
        Assert.StartsWith("npy", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_streams_are_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => EmbeddingFile.ReadFvecs(null!));
        Assert.Throws<ArgumentNullException>(() => EmbeddingFile.ReadNpy(null!));
    }

    [Fact]
    public void EmbeddingMatrix_checks_its_arguments()
    {
        Assert.Throws<ArgumentNullException>(() => new EmbeddingMatrix(2, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddingMatrix(0, []));
        Assert.Throws<ArgumentException>(() => new EmbeddingMatrix(2, [1f, 2f, 3f]));
        var matrix = new EmbeddingMatrix(2, [1f, 2f, 3f, 4f]);
        Assert.Equal([3f, 4f], matrix.Row(1).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Row(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Row(-1));
    }

    [Theory]
    [InlineData("fvecs")]
    [InlineData("npy")]
    public void A_read_matrix_builds_an_index_that_finds_its_rows(string format)
    {
        var random = new Random(1003);
        const int count = 120, dimension = 24;
        float[] values = BruteForce.RandomFloats(random, count * dimension);
        using var directory = new TemporaryDirectory();
        string path = Path.Combine(directory.Path, "vectors." + format);
        File.WriteAllBytes(path, format == "npy" ? Npy(1, "<f4", "False", $"({count}, {dimension})", values) : Fvecs(dimension, values));
        EmbeddingMatrix matrix = EmbeddingFile.Read(path);

        using var index = new VectorIndex(matrix.Dimension, SimilarityMetric.SquaredEuclidean);
        index.AddRange([.. Enumerable.Range(0, matrix.Count).Select(i => (long)i)], matrix.Values);
        Assert.Equal(count, index.Count);
        foreach (int row in new[] { 0, 17, count - 1 })
        {
            SearchResult hit = index.Search(matrix.Row(row), 1)[0];
            Assert.Equal(new SearchResult(row, 0f), hit);
        }

        float[] query = BruteForce.RandomFloats(random, dimension);
        long[] ids = [.. Enumerable.Range(0, count).Select(i => (long)i)];
        BruteForce.Rank(SimilarityMetric.SquaredEuclidean, ids, values, query).AssertMatches(10, index.Search(query, 10), format);
    }

    private static float[] Values(Random random, int count)
    {
        float[] values = BruteForce.RandomFloats(random, count);
        for (int i = 0; i < count && i < Special.Length; i++)
        {
            values[i] = Special[i];
        }

        return values;
    }

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(
                BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}: value {i} is {actual[i]:R}, expected {expected[i]:R}");
        }
    }

    private static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>The .fvecs bytes of row-major values: per vector, an int32 dimension then its float32s, little-endian.</summary>
    private static byte[] Fvecs(int dimension, float[] values)
    {
        int count = values.Length / dimension;
        var bytes = new byte[count * (4 + (4 * dimension))];
        int at = 0;
        for (int r = 0; r < count; r++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), dimension);
            at += 4;
            for (int i = 0; i < dimension; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), values[(r * dimension) + i]);
                at += 4;
            }
        }

        return bytes;
    }

    /// <summary>An .npy file with the usual header dictionary.</summary>
    private static byte[] Npy(int major, string descr, string fortranOrder, string shape, float[] values) =>
        NpyWithHeader(major, $"{{'descr': '{descr}', 'fortran_order': {fortranOrder}, 'shape': {shape}, }}", values);

    /// <summary>
    /// An .npy file: "\x93NUMPY", major and minor version, the header length (2 bytes for 1.0, 4 for
    /// 2.0 and 3.0, little-endian), the header padded with spaces and ended by '\n' so that the
    /// data starts at a multiple of 64, then the float32 data, little-endian.
    /// </summary>
    private static byte[] NpyWithHeader(int major, string dictionary, float[] values)
    {
        int lengthBytes = major == 1 ? 2 : 4;
        int preamble = 6 + 2 + lengthBytes;
        int headerLength = dictionary.Length + 1;
        headerLength += (64 - ((preamble + headerLength) % 64)) % 64;
        string header = dictionary.PadRight(headerLength - 1) + "\n";

        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.Add((byte)major);
        bytes.Add(0);
        var length = new byte[lengthBytes];
        if (lengthBytes == 2)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)headerLength);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)headerLength);
        }

        bytes.AddRange(length);
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        Assert.Equal(0, bytes.Count % 64);
        var data = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), values[i]);
        }

        bytes.AddRange(data);
        return [.. bytes];
    }

    private static Stream Open(byte[] bytes, bool seekable) =>
        seekable ? new MemoryStream(bytes) : new TrickleStream(new MemoryStream(bytes), maxRead: 5);
}
