using System.Buffers.Binary;
using System.IO.Hashing;
using CortexHybrid.Search;
using CortexHybrid.Simd;
using CortexHybrid.Tests.Support;

namespace CortexHybrid.Tests.Search;

/// <summary>Save and Load: round trips, the documented header, and every kind of damage rejected as InvalidDataException.</summary>
public class VectorIndexPersistenceTests
{
    private const int HeaderBytes = 40;

    [Theory]
    [MemberData(nameof(SearchKernels.Metrics), MemberType = typeof(SearchKernels))]
    public void A_loaded_index_searches_bit_for_bit_as_the_saved_one(SimilarityMetric metric)
    {
        var random = new Random(900 + (int)metric);
        const int dimension = 33, count = 500;
        long[] ids = BruteForce.RandomIds(random, count);
        float[] rows = BruteForce.RandomFloats(random, count * dimension);
        using var saved = new VectorIndex(dimension, metric);
        saved.AddRange(ids, rows);
        foreach (long id in ids.Take(40))
        {
            saved.Remove(id); // rows move: the saved order is not the insertion order
        }

        byte[] bytes = SaveToBytes(saved);
        using VectorIndex loaded = VectorIndex.Load(new MemoryStream(bytes));
        Assert.Equal(saved.Count, loaded.Count);
        Assert.Equal(dimension, loaded.Dimension);
        Assert.Equal(metric, loaded.Metric);
        Assert.All(ids.Take(40), id => Assert.False(loaded.Contains(id)));
        Assert.All(ids.Skip(40), id => Assert.True(loaded.Contains(id)));

        float[] queries = BruteForce.RandomFloats(random, 20 * dimension);
        foreach (int k in new[] { 1, 10, count })
        {
            SearchResult[][] before = saved.SearchBatch(queries, k);
            SearchResult[][] after = loaded.SearchBatch(queries, k);
            for (int q = 0; q < 20; q++)
            {
                BruteForce.AssertIdentical(before[q], after[q], $"{metric} k={k} query {q}");
            }
        }

        // Saving the loaded index gives the same bytes.
        Assert.Equal(bytes, SaveToBytes(loaded));

        // The loaded index takes writes.
        loaded.Add(long.MinValue + 1, rows.AsSpan(0, dimension));
        Assert.True(loaded.Remove(ids[100]));
        Assert.Equal(saved.Count, loaded.Count);
    }

    [Theory]
    [MemberData(nameof(SearchKernels.Names), MemberType = typeof(SearchKernels))]
    public void Load_uses_the_kernel_it_is_given(string kernelName)
    {
        ISimilarityKernel kernel = SearchKernels.Get(kernelName);
        var random = new Random(901);
        using var saved = new VectorIndex(8, SimilarityMetric.Cosine, kernel);
        float[] rows = BruteForce.RandomFloats(random, 50 * 8);
        saved.AddRange([.. Enumerable.Range(0, 50).Select(i => (long)i)], rows);
        using VectorIndex loaded = VectorIndex.Load(new MemoryStream(SaveToBytes(saved)), kernel);
        Assert.Equal(kernel.Description, loaded.KernelDescription);
        float[] query = BruteForce.RandomFloats(random, 8);
        BruteForce.AssertIdentical(saved.Search(query, 50), loaded.Search(query, 50), kernelName);
    }

    [Theory]
    [MemberData(nameof(SearchKernels.Metrics), MemberType = typeof(SearchKernels))]
    public void An_empty_index_round_trips(SimilarityMetric metric)
    {
        using var empty = new VectorIndex(7, metric);
        byte[] bytes = SaveToBytes(empty);
        Assert.Equal(HeaderBytes, bytes.Length);
        using VectorIndex loaded = VectorIndex.Load(new MemoryStream(bytes));
        Assert.Equal(0, loaded.Count);
        Assert.Equal(7, loaded.Dimension);
        Assert.Equal(metric, loaded.Metric);
        Assert.Empty(loaded.Search(new float[7], 3));
        loaded.Add(-1, [1f, 2f, 3f, 4f, 5f, 6f, 7f]);
        Assert.Equal(-1, Assert.Single(loaded.Search(new float[7], 3)).Id);
    }

    [Theory]
    [InlineData(SimilarityMetric.Cosine, 0)]
    [InlineData(SimilarityMetric.DotProduct, 1)]
    [InlineData(SimilarityMetric.SquaredEuclidean, 2)]
    public void The_header_and_payload_are_at_the_documented_offsets(SimilarityMetric metric, byte metricByte)
    {
        const int dimension = 5, count = 7;
        var random = new Random(902);
        long[] ids = [42, -3, long.MaxValue, 0, 17, long.MinValue, 99];
        float[] rows = BruteForce.RandomFloats(random, count * dimension);
        using var index = new VectorIndex(dimension, metric);
        for (int r = 0; r < count; r++)
        {
            index.Add(ids[r], rows.AsSpan(r * dimension, dimension));
        }

        byte[] bytes = SaveToBytes(index);
        Assert.Equal(HeaderBytes + (count * 8) + (count * 4) + (count * dimension * 4), bytes.Length);
        Assert.Equal("CXVI"u8.ToArray(), bytes[..4]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(metricByte, bytes[6]);
        Assert.Equal(0, bytes[7]);
        Assert.Equal(dimension, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12)));
        Assert.Equal(count, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(XxHash64.HashToUInt64(bytes.AsSpan(HeaderBytes)), BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(24)));
        Assert.Equal(XxHash64.HashToUInt64(bytes.AsSpan(0, 32)), BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(32)));

        // Payload: the ids, then the norms, then the rows (normalized for cosine), in stored order.
        int norms = HeaderBytes + (count * 8), floats = norms + (count * 4);
        for (int r = 0; r < count; r++)
        {
            Assert.Equal(ids[r], BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(HeaderBytes + (r * 8))));
            double length = Math.Sqrt(rows.AsSpan(r * dimension, dimension).ToArray().Sum(x => (double)x * x));
            float norm = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(norms + (r * 4)));
            if (metric == SimilarityMetric.Cosine)
            {
                Assert.Equal(length, norm, length * 1e-6);
            }

            for (int i = 0; i < dimension; i++)
            {
                float stored = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(floats + (((r * dimension) + i) * 4)));
                float original = rows[(r * dimension) + i];
                if (metric == SimilarityMetric.Cosine)
                {
                    Assert.Equal(original / length, stored, 1e-6);
                }
                else
                {
                    Assert.Equal(original, stored);
                }
            }
        }
    }

    [Fact]
    public void Truncation_at_every_byte_is_InvalidDataException()
    {
        byte[] bytes = SaveToBytes(SmallIndex(SimilarityMetric.Cosine));
        Assert.Equal(HeaderBytes + (7 * 8) + (7 * 4) + (7 * 5 * 4), bytes.Length);
        for (int length = 0; length < bytes.Length; length++)
        {
            var stream = new MemoryStream(bytes, 0, length);
            InvalidDataException e = AssertInvalid(() => VectorIndex.Load(stream), $"truncated to {length} bytes");
            Assert.Contains(length < HeaderBytes ? "header" : "ends early", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(SearchKernels.Metrics), MemberType = typeof(SearchKernels))]
    public void Random_single_bit_flips_are_InvalidDataException(SimilarityMetric metric)
    {
        byte[] bytes = SaveToBytes(SmallIndex(metric));
        var random = new Random(903 + (int)metric);
        for (int i = 0; i < 500; i++)
        {
            int bit = random.Next(bytes.Length * 8);
            byte[] flipped = (byte[])bytes.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            AssertInvalid(() => VectorIndex.Load(new MemoryStream(flipped)), $"bit {bit} flipped");
        }

        // Every bit of the header, too.
        for (int bit = 0; bit < HeaderBytes * 8; bit++)
        {
            byte[] flipped = (byte[])bytes.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            AssertInvalid(() => VectorIndex.Load(new MemoryStream(flipped)), $"header bit {bit} flipped");
        }
    }

    [Fact]
    public void Wrong_magic_is_InvalidDataException_naming_the_magic()
    {
        byte[] bytes = SaveToBytes(SmallIndex(SimilarityMetric.DotProduct));
        foreach (byte[] magic in new[] { "CXVJ"u8.ToArray(), "cxvi"u8.ToArray(), "\0\0\0\0"u8.ToArray(), "PK\u0003\u0004"u8.ToArray() })
        {
            magic.CopyTo(bytes, 0);
            RewriteHeaderHash(bytes);
            InvalidDataException e = AssertInvalid(() => VectorIndex.Load(new MemoryStream(bytes)), "magic");
            Assert.Contains("CXVI", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(ushort.MaxValue)]
    public void Another_version_is_InvalidDataException_naming_the_version(ushort version)
    {
        byte[] bytes = SaveToBytes(SmallIndex(SimilarityMetric.SquaredEuclidean));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), version);
        RewriteHeaderHash(bytes); // only the version check can reject it now
        InvalidDataException e = AssertInvalid(() => VectorIndex.Load(new MemoryStream(bytes)), $"version {version}");
        Assert.Contains("version", e.Message, StringComparison.Ordinal);
        Assert.Contains(version.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);

        // Without the rewritten hash the header's checksum rejects it.
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(32), 0);
        e = AssertInvalid(() => VectorIndex.Load(new MemoryStream(bytes)), "stale header hash");
        Assert.Contains("checksum", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<int, long> BadHeaderFields => new()
    {
        { 6, 3 }, { 6, 255 }, { 7, 1 }, { 12, 1 }, { 15, 0x80 }, // unknown metric, reserved bytes set
    };

    [Theory]
    [MemberData(nameof(BadHeaderFields))]
    public void Invalid_header_fields_with_a_valid_checksum_are_InvalidDataException(int offset, long value)
    {
        byte[] bytes = SaveToBytes(SmallIndex(SimilarityMetric.Cosine));
        bytes[offset] = (byte)value;
        RewriteHeaderHash(bytes);
        AssertInvalid(() => VectorIndex.Load(new MemoryStream(bytes)), $"byte {offset} = {value}");
    }

    [Theory]
    [InlineData(0, 7)]
    [InlineData(-5, 7)]
    [InlineData(5, -1)]
    [InlineData(5, long.MinValue)]
    [InlineData(5, (long)int.MaxValue + 1)]
    [InlineData(5, 8)]
    [InlineData(5, 6)]
    public void Dimension_or_count_that_do_not_match_the_data_are_InvalidDataException(int dimension, long count)
    {
        byte[] bytes = SaveToBytes(SmallIndex(SimilarityMetric.DotProduct));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), dimension);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), count);
        RewriteHeaderHash(bytes);
        AssertInvalid(() => VectorIndex.Load(new MemoryStream(bytes)), $"dimension {dimension}, count {count}");
    }

    /// <summary>
    /// A header (with a valid checksum) that claims far more data than the stream holds is a
    /// truncated index: InvalidDataException, not an allocation of the claimed size first.
    /// </summary>
    [Theory]
    [InlineData(int.MaxValue, 1)]
    [InlineData(1 << 30, 2)]
    public void A_header_claiming_huge_rows_over_a_short_stream_is_InvalidDataException(int dimension, long count)
    {
        var bytes = new byte[HeaderBytes + 64];
        VectorIndex.WriteHeader(bytes, SimilarityMetric.DotProduct, dimension, count, XxHash64.HashToUInt64(bytes.AsSpan(HeaderBytes)));
        AssertInvalid(() => VectorIndex.Load(new MemoryStream(bytes)), $"dimension {dimension}, count {count}");
    }

    [Fact]
    public void A_repeated_id_or_a_non_finite_value_behind_valid_checksums_is_InvalidDataException()
    {
        byte[] original = SaveToBytes(SmallIndex(SimilarityMetric.DotProduct));
        int norms = HeaderBytes + (7 * 8), floats = norms + (7 * 4);

        byte[] repeated = (byte[])original.Clone();
        Array.Copy(repeated, HeaderBytes, repeated, HeaderBytes + (3 * 8), 8); // id 3 := id 0
        RewriteHashes(repeated);
        AssertInvalid(() => VectorIndex.Load(new MemoryStream(repeated)), "repeated id");

        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            byte[] row = (byte[])original.Clone();
            BinaryPrimitives.WriteSingleLittleEndian(row.AsSpan(floats + (12 * 4)), bad);
            RewriteHashes(row);
            AssertInvalid(() => VectorIndex.Load(new MemoryStream(row)), $"row value {bad}");

            byte[] norm = (byte[])original.Clone();
            BinaryPrimitives.WriteSingleLittleEndian(norm.AsSpan(norms + 4), bad);
            RewriteHashes(norm);
            AssertInvalid(() => VectorIndex.Load(new MemoryStream(norm)), $"norm {bad}");
        }

        // The same edits with valid data load, so it is the value that is rejected.
        byte[] fine = (byte[])original.Clone();
        BinaryPrimitives.WriteSingleLittleEndian(fine.AsSpan(floats + (12 * 4)), 0.5f);
        RewriteHashes(fine);
        using VectorIndex loaded = VectorIndex.Load(new MemoryStream(fine));
        Assert.Equal(7, loaded.Count);
    }

    [Fact]
    public void Load_reads_exactly_one_index_from_a_stream_and_works_through_short_reads()
    {
        using VectorIndex first = SmallIndex(SimilarityMetric.Cosine);
        using VectorIndex second = SmallIndex(SimilarityMetric.SquaredEuclidean);
        var stream = new MemoryStream();
        first.Save(stream);
        long end = stream.Position;
        second.Save(stream);
        stream.WriteByte(0xAB);
        stream.Position = 0;

        var trickle = new TrickleStream(stream, maxRead: 3);
        using VectorIndex a = VectorIndex.Load(trickle);
        Assert.Equal(end, stream.Position);
        using VectorIndex b = VectorIndex.Load(trickle);
        Assert.Equal(stream.Length - 1, stream.Position);
        Assert.Equal(SimilarityMetric.Cosine, a.Metric);
        Assert.Equal(SimilarityMetric.SquaredEuclidean, b.Metric);
        float[] query = [1f, -2f, 3f, -4f, 5f];
        BruteForce.AssertIdentical(first.Search(query, 7), a.Search(query, 7), "first");
        BruteForce.AssertIdentical(second.Search(query, 7), b.Search(query, 7), "second");
    }

    [Fact]
    public void Save_and_Load_by_path()
    {
        using var directory = new TemporaryDirectory();
        string path = Path.Combine(directory.Path, "index.cxvi");
        using VectorIndex saved = SmallIndex(SimilarityMetric.DotProduct);
        saved.Save(path);
        Assert.Equal(SaveToBytes(saved), File.ReadAllBytes(path));
        using (VectorIndex loaded = VectorIndex.Load(path))
        {
            float[] query = [0.5f, 1f, -1f, 2f, 0f];
            BruteForce.AssertIdentical(saved.Search(query, 7), loaded.Search(query, 7), "by path");
        }

        saved.Remove(saved.Search([1f, 1f, 1f, 1f, 1f], 1)[0].Id);
        saved.Save(path); // replaces the file
        using (VectorIndex loaded = VectorIndex.Load(path))
        {
            Assert.Equal(6, loaded.Count);
        }

        File.WriteAllBytes(path, SaveToBytes(saved)[..50]);
        Assert.Throws<InvalidDataException>(() => VectorIndex.Load(path));
        File.Delete(path);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Null_streams_are_rejected()
    {
        using VectorIndex index = SmallIndex(SimilarityMetric.Cosine);
        Assert.Throws<ArgumentNullException>(() => index.Save((Stream)null!));
        Assert.Throws<ArgumentNullException>(() => VectorIndex.Load((Stream)null!));
    }

    private static VectorIndex SmallIndex(SimilarityMetric metric)
    {
        var random = new Random(904);
        var index = new VectorIndex(5, metric);
        long[] ids = [5, -9, 1_000_000_007, 0, 3, -1, 77];
        index.AddRange(ids, BruteForce.RandomFloats(random, 7 * 5));
        return index;
    }

    private static byte[] SaveToBytes(VectorIndex index)
    {
        var stream = new MemoryStream();
        index.Save(stream);
        return stream.ToArray();
    }

    private static void RewriteHeaderHash(byte[] bytes) =>
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(32), XxHash64.HashToUInt64(bytes.AsSpan(0, 32)));

    private static void RewriteHashes(byte[] bytes)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(24), XxHash64.HashToUInt64(bytes.AsSpan(HeaderBytes)));
        RewriteHeaderHash(bytes);
    }

    /// <summary>Asserts exactly InvalidDataException (no other type, and no index loaded).</summary>
    private static InvalidDataException AssertInvalid(Func<VectorIndex> load, string what)
    {
        VectorIndex? index = null;
        Exception? thrown = null;
        try
        {
            index = load();
        }
        catch (Exception e)
        {
            thrown = e;
        }

        index?.Dispose();
        Assert.True(index is null, $"{what}: an index was loaded");
        Assert.True(thrown is InvalidDataException, $"{what}: expected InvalidDataException, got {thrown?.GetType().Name}: {thrown?.Message}");
        return (InvalidDataException)thrown!;
    }
}
