using CortexHybrid.Search;
using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Search;

/// <summary><see cref="VectorIndex.EnsureCapacity"/>, and rows kept intact while the row block is resized in place.</summary>
public class VectorIndexCapacityTests
{
    private const int Dimension = 384;
    private const long BytesPerRow = (Dimension * sizeof(float)) + sizeof(long) + sizeof(float);

    [Fact]
    public void A_reserved_index_takes_that_many_vectors_without_growing_and_never_shrinks_on_request()
    {
        using var index = new VectorIndex(Dimension, SimilarityMetric.SquaredEuclidean);
        Assert.Equal(5_000, index.EnsureCapacity(5_000));
        long reserved = index.MemoryBytes;
        Assert.Equal(5_000 * BytesPerRow, reserved);

        var random = new Random(61);
        float[] rows = BruteForce.RandomFloats(random, 1_000 * Dimension);
        for (int batch = 0; batch < 5; batch++)
        {
            long[] ids = [.. Enumerable.Range(batch * 1_000, 1_000).Select(i => (long)i)];
            index.AddRange(ids, rows);
            Assert.Equal(reserved, index.MemoryBytes);
        }

        Assert.Equal(5_000, index.Count);
        Assert.Equal(5_000, index.EnsureCapacity(10));
        Assert.Equal(5_000, index.EnsureCapacity(0));
        Assert.Equal(reserved, index.MemoryBytes);

        index.Add(5_000, rows.AsSpan(0, Dimension));
        Assert.True(index.MemoryBytes > reserved, "the 5,001st vector had to grow the index");
    }

    [Fact]
    public void Bad_capacities_and_a_disposed_index_are_refused()
    {
        var index = new VectorIndex(4);
        Assert.Equal("capacity", Assert.Throws<ArgumentOutOfRangeException>(() => index.EnsureCapacity(-1)).ParamName);
        Assert.Equal("capacity", Assert.Throws<ArgumentOutOfRangeException>(() => index.EnsureCapacity(int.MaxValue)).ParamName);
        index.Dispose();
        Assert.Throws<ObjectDisposedException>(() => index.EnsureCapacity(10));
    }

    [Theory]
    [MemberData(nameof(SearchKernels.Names), MemberType = typeof(SearchKernels))]
    public void Every_row_survives_growing_one_at_a_time_reserving_and_shrinking(string kernelName)
    {
        ISimilarityKernel kernel = SearchKernels.Get(kernelName);
        var random = new Random(62);
        var model = new Dictionary<long, float[]>();
        using var index = new VectorIndex(Dimension, SimilarityMetric.SquaredEuclidean, kernel);

        // Many resizes of a growing block (each add past the capacity reallocates it), a reserve
        // far past the count, then removals that shrink it: the rows must be the ones added.
        for (long id = 0; id < 3_000; id++)
        {
            float[] vector = BruteForce.RandomFloats(random, Dimension);
            index.Add(id, vector);
            model.Add(id, vector);
        }

        AssertEveryRowFindsItself(index, model, "after growing");
        index.EnsureCapacity(20_000);
        AssertEveryRowFindsItself(index, model, "after reserving 20,000");
        foreach (long id in model.Keys.Where(id => id % 10 != 0).ToList())
        {
            Assert.True(index.Remove(id));
            model.Remove(id);
        }

        Assert.True(index.MemoryBytes <= ((1.3 * model.Count) + 64) * BytesPerRow, $"{index.MemoryBytes} bytes for {model.Count} rows");
        AssertEveryRowFindsItself(index, model, "after shrinking");
    }

    private static void AssertEveryRowFindsItself(VectorIndex index, Dictionary<long, float[]> model, string when)
    {
        Assert.Equal(model.Count, index.Count);
        foreach ((long id, float[] vector) in model)
        {
            SearchResult[] hits = index.Search(vector, 1);
            Assert.True(hits.Length == 1 && hits[0].Id == id && hits[0].Score == 0, $"{when}: row {id} found {string.Join(", ", hits)}");
        }
    }
}
