using System.Buffers.Binary;
using System.IO.Hashing;
using CortexHybrid.Search;

namespace CortexHybrid.Tests.Search;

/// <summary>
/// Format version 2 (quantized storage): round trips that search and refit as the saved index
/// would, the documented header fields, version 1 files still loading, and every truncation and
/// bit flip rejected as InvalidDataException.
/// </summary>
public class VectorIndexQuantizedPersistenceTests
{
    private const int HeaderBytes = 40;

    public static TheoryData<VectorStorage, bool, SimilarityMetric> Layouts
    {
        get
        {
            var data = new TheoryData<VectorStorage, bool, SimilarityMetric>();
            foreach (VectorStorage storage in new[] { VectorStorage.Int8, VectorStorage.BFloat16 })
            {
                foreach (bool keep in new[] { true, false })
                {
                    foreach (SimilarityMetric metric in SearchKernels.AllMetrics)
                    {
                        data.Add(storage, keep, metric);
                    }
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_loaded_quantized_index_searches_and_grows_as_the_saved_one(VectorStorage storage, bool keepFullPrecision, SimilarityMetric metric)
    {
        var random = new Random(3000 + (int)metric + (10 * (int)storage));
        const int Dimension = 21, Count = 400;
        var options = new VectorStorageOptions { Storage = storage, Oversample = 3, KeepFullPrecision = keepFullPrecision };
        long[] ids = BruteForce.RandomIds(random, Count + 10);
        float[] rows = BruteForce.RandomFloats(random, (Count + 10) * Dimension);
        using var saved = new VectorIndex(Dimension, metric, null, options);
        saved.AddRange(ids.AsSpan(0, Count), rows.AsSpan(0, Count * Dimension));

        // One row outside the int8 scales, clamped and (without full precision) kept for the next refit.
        float[] outlier = new float[Dimension];
        outlier[4] = 50f;
        saved.Add(ids[Count], outlier);
        foreach (long id in ids.Take(30))
        {
            Assert.True(saved.Remove(id));
        }

        byte[] bytes = SaveToBytes(saved);
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal((byte)metric, bytes[6]);
        Assert.Equal((byte)storage, bytes[7]);
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(12)));
        Assert.Equal(keepFullPrecision ? 1 : 0, bytes[14]);
        Assert.Equal(0, bytes[15]);
        Assert.Equal(saved.Count, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(XxHash64.HashToUInt64(bytes.AsSpan(HeaderBytes)), BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(24)));

        using VectorIndex loaded = VectorIndex.Load(new MemoryStream(bytes));
        Assert.Equal((storage, 3, keepFullPrecision, metric, saved.Count), (loaded.Storage, loaded.Oversample, loaded.ExactScores, loaded.Metric, loaded.Count));
        Assert.Equal(saved.MemoryBytes > 0, loaded.MemoryBytes > 0);
        Assert.Equal(bytes, SaveToBytes(loaded));
        AssertSameSearches(saved, loaded, random, Dimension, "after load");

        // Both refit the same way on the same new rows (drift past 1% of the rows).
        for (int i = Count + 1; i < Count + 10; i++)
        {
            float[] big = new float[Dimension];
            big[7] = 30f + i;
            saved.Add(ids[i], big);
            loaded.Add(ids[i], big);
        }

        Assert.Equal(saved.Int8Maxima.ToArray(), loaded.Int8Maxima.ToArray());
        AssertSameSearches(saved, loaded, random, Dimension, "after the refit");
        Assert.Equal(SaveToBytes(saved), SaveToBytes(loaded));
    }

    [Theory]
    [InlineData(VectorStorage.Int8, true)]
    [InlineData(VectorStorage.Int8, false)]
    [InlineData(VectorStorage.BFloat16, true)]
    [InlineData(VectorStorage.BFloat16, false)]
    public void Every_truncation_and_every_header_bit_flip_is_InvalidDataException(VectorStorage storage, bool keepFullPrecision)
    {
        byte[] bytes = SaveToBytes(SmallIndex(storage, keepFullPrecision));
        for (int length = 0; length < bytes.Length; length++)
        {
            var stream = new MemoryStream(bytes, 0, length);
            AssertInvalid(() => VectorIndex.Load(stream), $"truncated to {length} of {bytes.Length} bytes");
        }

        for (int bit = 0; bit < bytes.Length * 8; bit++)
        {
            byte[] flipped = (byte[])bytes.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            AssertInvalid(() => VectorIndex.Load(new MemoryStream(flipped)), $"bit {bit} of {bytes.Length * 8} flipped");
        }
    }

    /// <summary>Damage behind valid checksums (a writer's bug, not a disk's): codes and fields this index never writes are refused.</summary>
    [Fact]
    public void Values_no_writer_produces_are_InvalidDataException_even_with_valid_checksums()
    {
        byte[] original = SaveToBytes(SmallIndex(VectorStorage.Int8, keepFullPrecision: false));
        const int Dimension = 5, Count = 7;
        int scales = HeaderBytes, ids = scales + (2 * Dimension * 4) + 8, norms = ids + (Count * 8), codes = norms + (Count * 4), biases = codes + (Count * Dimension);
        Assert.Equal(biases + (Count * 4), original.Length);

        Assert.Equal("code", Damage(original, b => b[codes + 3] = 0x80, "int8 code -128"));
        Assert.Equal("scale", Damage(original, b => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(scales + 4), float.NaN), "NaN scale"));
        Assert.Equal("scale", Damage(original, b => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(scales + 4), -1f), "negative scale"));
        Assert.Equal("bias", Damage(original, b => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(biases + 8), 1f), "a bias for cosine"));
        Assert.Equal("header", Damage(original, b => b[7] = 0, "version 2 claiming float32 storage"));
        Assert.Equal("header", Damage(original, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(12), 0), "oversample 0"));
        Assert.Equal("header", Damage(original, b => b[14] = 2, "an unknown flag"));
    }

    /// <summary>A file written before quantized storage existed (version 1) still loads, as float32 storage.</summary>
    [Fact]
    public void A_version_1_file_still_loads()
    {
        const int Dimension = 3;
        long[] ids = [10, -20];
        float[] norms = [0, 0];
        float[] rows = [1, 2, 3, -4, 5, -6];
        var bytes = new byte[HeaderBytes + (2 * 8) + (2 * 4) + (6 * 4)];
        for (int i = 0; i < 2; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(HeaderBytes + (i * 8)), ids[i]);
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(HeaderBytes + 16 + (i * 4)), norms[i]);
        }

        for (int i = 0; i < rows.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(HeaderBytes + 24 + (i * 4)), rows[i]);
        }

        // The version 1 header, written out field by field as the format documents it.
        "CXVI"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), 1);
        bytes[6] = (byte)SimilarityMetric.DotProduct;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), Dimension);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), 2);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(24), XxHash64.HashToUInt64(bytes.AsSpan(HeaderBytes)));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(32), XxHash64.HashToUInt64(bytes.AsSpan(0, 32)));

        using VectorIndex loaded = VectorIndex.Load(new MemoryStream(bytes));
        Assert.Equal((VectorStorage.Float32, 2, SimilarityMetric.DotProduct), (loaded.Storage, loaded.Count, loaded.Metric));
        SearchResult[] hits = loaded.Search([1f, 1f, 1f], 2);
        Assert.Equal([new SearchResult(10, 6f), new SearchResult(-20, -5f)], hits);
        Assert.Equal(bytes, SaveToBytes(loaded));
    }

    private static void AssertSameSearches(VectorIndex expected, VectorIndex actual, Random random, int dimension, string context)
    {
        float[] queries = BruteForce.RandomFloats(random, 18 * dimension);
        foreach (int k in new[] { 1, 10, 1000 })
        {
            SearchResult[][] before = expected.SearchBatch(queries, k);
            SearchResult[][] after = actual.SearchBatch(queries, k);
            for (int q = 0; q < before.Length; q++)
            {
                BruteForce.AssertIdentical(before[q], after[q], $"{context} k={k} q={q}");
            }
        }
    }

    private static VectorIndex SmallIndex(VectorStorage storage, bool keepFullPrecision)
    {
        var random = new Random(3100);
        var index = new VectorIndex(5, SimilarityMetric.Cosine, null, new VectorStorageOptions { Storage = storage, KeepFullPrecision = keepFullPrecision });
        index.AddRange([5, -9, 1_000_000_007, 0, 3, -1, 77], BruteForce.RandomFloats(random, 7 * 5));
        return index;
    }

    /// <summary>Applies the damage, fixes both checksums, and returns which part the error named.</summary>
    private static string Damage(byte[] original, Action<byte[]> damage, string what)
    {
        byte[] bytes = (byte[])original.Clone();
        damage(bytes);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(24), XxHash64.HashToUInt64(bytes.AsSpan(HeaderBytes)));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(32), XxHash64.HashToUInt64(bytes.AsSpan(0, 32)));
        string message = AssertInvalid(() => VectorIndex.Load(new MemoryStream(bytes)), what).Message;
        return message.Contains("header", StringComparison.Ordinal) ? "header"
            : message.Contains("scale", StringComparison.Ordinal) ? "scale"
            : message.Contains("code", StringComparison.Ordinal) ? "code"
            : message.Contains("bias", StringComparison.Ordinal) || message.Contains("not finite", StringComparison.Ordinal) ? "bias"
            : message;
    }

    private static byte[] SaveToBytes(VectorIndex index)
    {
        var stream = new MemoryStream();
        index.Save(stream);
        return stream.ToArray();
    }

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
