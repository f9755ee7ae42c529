using System.Collections.Concurrent;
using CortexHybrid.Search;
using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Search;

/// <summary>Adds, removes and searches against a model; argument checks; memory; concurrent readers and a writer.</summary>
public class VectorIndexMutationTests
{
    [Theory]
    [MemberData(nameof(SearchKernels.MetricsAndKernels), MemberType = typeof(SearchKernels))]
    public void Random_adds_removes_and_searches_agree_with_a_model(SimilarityMetric metric, string kernelName)
    {
        ISimilarityKernel kernel = SearchKernels.Get(kernelName);
        var random = new Random(500 + (int)metric);
        const int dimension = 6;
        var model = new Dictionary<long, float[]>();
        using var index = new VectorIndex(dimension, metric, kernel);
        int searches = 0, rejectedBatches = 0;
        for (int step = 0; step < 800; step++)
        {
            string context = $"{metric} {kernelName} step {step}";
            int operation = random.Next(100);
            if (operation < 40)
            {
                long id = random.NextInt64(-300, 300);
                float[] vector = NextVector(random, model, dimension);
                if (model.ContainsKey(id))
                {
                    Assert.Throws<ArgumentException>(() => index.Add(id, vector));
                }
                else
                {
                    index.Add(id, vector);
                    model.Add(id, vector);
                }
            }
            else if (operation < 50)
            {
                int n = random.Next(0, 12);
                long[] ids = [.. Enumerable.Range(0, n).Select(_ => random.NextInt64(-300, 300))];
                float[] rows = [.. Enumerable.Range(0, n).SelectMany(_ => NextVector(random, model, dimension))];
                bool valid = ids.Distinct().Count() == n && !ids.Any(model.ContainsKey);
                if (valid)
                {
                    index.AddRange(ids, rows);
                    for (int r = 0; r < n; r++)
                    {
                        model.Add(ids[r], rows.AsSpan(r * dimension, dimension).ToArray());
                    }
                }
                else
                {
                    Assert.Throws<ArgumentException>(() => index.AddRange(ids, rows));
                    Assert.All(ids.Where(id => !model.ContainsKey(id)), id => Assert.False(index.Contains(id), $"{context}: a rejected AddRange stored {id}"));
                    rejectedBatches++;
                }
            }
            else if (operation < 75)
            {
                long id = model.Count > 0 && random.Next(3) > 0 ? model.Keys.ElementAt(random.Next(model.Count)) : random.NextInt64(-300, 300);
                bool present = model.Remove(id);
                Assert.True(present == index.Remove(id), $"{context}: Remove({id}) should return {present}");
                Assert.False(index.Contains(id), $"{context}: {id} is still contained after Remove");
            }
            else
            {
                searches++;
                int k = random.Next(1, model.Count + 6);
                int queryCount = random.Next(1, 4);
                float[] queries = BruteForce.RandomFloats(random, queryCount * dimension);
                SearchResult[][] results = queryCount == 1 ? [index.Search(queries, k)] : index.SearchBatch(queries, k);
                Assert.Equal(queryCount, results.Length);
                for (int q = 0; q < queryCount; q++)
                {
                    BruteForce.Rank(metric, model, queries.AsSpan(q * dimension, dimension))
                        .AssertMatches(k, results[q], $"{context} k={k} query {q} over {model.Count} rows");
                }
            }

            Assert.Equal(model.Count, index.Count);
            long probe = random.NextInt64(-300, 300);
            Assert.True(model.ContainsKey(probe) == index.Contains(probe), $"{context}: Contains({probe})");
        }

        Assert.True(searches > 100 && rejectedBatches > 5, $"test data: {searches} searches, {rejectedBatches} rejected batches");
        foreach (long id in model.Keys.ToArray())
        {
            Assert.True(index.Remove(id));
        }

        Assert.Equal(0, index.Count);
        Assert.Empty(index.Search(new float[dimension], 3));
    }

    /// <summary>A random vector, sometimes a copy of a stored one or the zero vector (exact ties).</summary>
    private static float[] NextVector(Random random, Dictionary<long, float[]> model, int dimension)
    {
        int kind = random.Next(10);
        if (kind == 0 && model.Count > 0)
        {
            return (float[])model.Values.ElementAt(random.Next(model.Count)).Clone();
        }

        return kind == 1 ? new float[dimension] : BruteForce.RandomFloats(random, dimension);
    }

    [Fact]
    public void Add_of_a_stored_id_throws_and_keeps_the_stored_vector()
    {
        using var index = new VectorIndex(3, SimilarityMetric.DotProduct, SimilarityKernels.Scalar);
        index.Add(5, [1f, 2f, 3f]);
        var e = Assert.Throws<ArgumentException>(() => index.Add(5, [9f, 9f, 9f]));
        Assert.Equal("id", e.ParamName);
        Assert.Contains("5", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, index.Count);
        SearchResult hit = Assert.Single(index.Search([1f, 0f, 0f], 5));
        Assert.Equal(new SearchResult(5, 1f), hit);
    }

    [Theory]
    [InlineData(new long[] { 2, 3, 2 })]
    [InlineData(new long[] { 7, 8, 1 })]
    [InlineData(new long[] { 1 })]
    [InlineData(new long[] { 9, 9 })]
    public void AddRange_with_a_repeated_or_stored_id_adds_nothing(long[] ids)
    {
        using var index = new VectorIndex(2, SimilarityMetric.DotProduct);
        index.Add(1, [1f, 1f]);
        long memory = index.MemoryBytes;
        float[] rows = [.. Enumerable.Range(0, ids.Length * 2).Select(i => (float)i)];
        var e = Assert.Throws<ArgumentException>(() => index.AddRange(ids, rows));
        Assert.Equal("ids", e.ParamName);
        Assert.Contains(ids.Contains(1) ? "already" : "twice", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, index.Count);
        Assert.All(ids.Where(id => id != 1), id => Assert.False(index.Contains(id)));
        Assert.Equal(memory, index.MemoryBytes);
        Assert.Equal([new SearchResult(1, 2f)], index.Search([1f, 1f], 10));
    }

    public static TheoryData<float, int> NonFinite => new()
    {
        { float.NaN, 0 }, { float.NaN, 4 }, { float.PositiveInfinity, 2 }, { float.NegativeInfinity, 4 }, { float.PositiveInfinity, 0 },
    };

    [Theory]
    [MemberData(nameof(NonFinite))]
    public void Non_finite_stored_values_are_rejected_with_their_position(float value, int element)
    {
        using var index = new VectorIndex(5, SimilarityMetric.Cosine);
        float[] vector = [1f, 2f, 3f, 4f, 5f];
        vector[element] = value;

        var e = Assert.Throws<ArgumentException>(() => index.Add(1, vector));
        Assert.Equal("vector", e.ParamName);
        Assert.Contains($"element {element}", e.Message, StringComparison.Ordinal);
        Assert.Contains("finite", e.Message, StringComparison.Ordinal);

        float[] rows = [.. new float[] { 1f, 1f, 1f, 1f, 1f, 2f, 2f, 2f, 2f, 2f }, .. vector];
        e = Assert.Throws<ArgumentException>(() => index.AddRange([1, 2, 3], rows));
        Assert.Equal("rowMajorVectors", e.ParamName);
        Assert.Contains("Vector 2", e.Message, StringComparison.Ordinal);
        Assert.Contains($"element {element}", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, index.Count);
        Assert.False(index.Contains(1));
    }

    [Theory]
    [MemberData(nameof(NonFinite))]
    public void Non_finite_query_values_are_rejected_with_their_position(float value, int element)
    {
        using var index = new VectorIndex(5, SimilarityMetric.SquaredEuclidean);
        index.Add(1, [1f, 2f, 3f, 4f, 5f]);
        float[] query = [1f, 2f, 3f, 4f, 5f];
        query[element] = value;

        var e = Assert.Throws<ArgumentException>(() => index.Search(query, 1));
        Assert.Contains($"element {element}", e.Message, StringComparison.Ordinal);
        Assert.Contains("finite", e.Message, StringComparison.Ordinal);

        float[] batch = [.. new float[10], .. query, .. new float[5]];
        e = Assert.Throws<ArgumentException>(() => index.SearchBatch(batch, 1));
        Assert.Equal("rowMajorQueries", e.ParamName);
        Assert.Contains("Query 2", e.Message, StringComparison.Ordinal);
        Assert.Contains($"element {element}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_lengths_are_rejected_naming_the_dimension()
    {
        using var index = new VectorIndex(3, SimilarityMetric.DotProduct);
        foreach (int length in new[] { 0, 2, 4 })
        {
            var e = Assert.Throws<ArgumentException>(() => index.Add(1, new float[length]));
            Assert.Contains("dimension is 3", e.Message, StringComparison.Ordinal);
            Assert.Contains($"{length} floats", e.Message, StringComparison.Ordinal);
        }

        Assert.Throws<ArgumentException>(() => index.AddRange([1, 2], new float[5]));
        Assert.Throws<ArgumentException>(() => index.AddRange([1, 2], new float[7]));
        Assert.Throws<ArgumentException>(() => index.AddRange([], new float[3]));
        Assert.Equal(0, index.Count);

        index.Add(1, [1f, 2f, 3f]);
        foreach (int length in new[] { 1, 2, 4, 5, 7 })
        {
            var e = Assert.Throws<ArgumentException>(() => index.SearchBatch(new float[length], 1));
            Assert.Equal("rowMajorQueries", e.ParamName);
            Assert.Contains($"{length} floats", e.Message, StringComparison.Ordinal);
        }

        foreach (int length in new[] { 0, 2, 4, 6 })
        {
            var e = Assert.Throws<ArgumentException>(() => index.Search(new float[length], 1));
            Assert.Equal("query", e.ParamName);
        }
    }

    [Fact]
    public void K_below_one_is_out_of_range()
    {
        using var index = new VectorIndex(2);
        foreach (int k in new[] { 0, -1, int.MinValue })
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1f, 1f], k));
            Assert.Throws<ArgumentOutOfRangeException>(() => index.SearchBatch([1f, 1f, 2f, 2f], k));
            index.Add(k, [1f, 0f]);
            Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1f, 1f], k));
        }
    }

    [Fact]
    public void An_empty_index_answers_with_no_hits()
    {
        using var index = new VectorIndex(2, SimilarityMetric.SquaredEuclidean);
        Assert.Empty(index.Search([1f, 2f], 5));
        SearchResult[][] batch = index.SearchBatch([1f, 2f, 3f, 4f, 5f, 6f], 1);
        Assert.Equal(3, batch.Length);
        Assert.All(batch, Assert.Empty);
        Assert.Empty(index.SearchBatch([], 1));

        index.Add(4, [0f, 0f]);
        Assert.True(index.Remove(4));
        Assert.False(index.Remove(4));
        Assert.Empty(index.Search([1f, 2f], 5));
    }

    [Fact]
    public void Constructor_rejects_bad_dimensions_and_metrics()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new VectorIndex(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VectorIndex(-3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VectorIndex(4, (SimilarityMetric)3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VectorIndex(4, (SimilarityMetric)(-1)));
        using var index = new VectorIndex(4, SimilarityMetric.SquaredEuclidean, SimilarityKernels.Scalar);
        Assert.Equal(4, index.Dimension);
        Assert.Equal(SimilarityMetric.SquaredEuclidean, index.Metric);
        Assert.Equal(SimilarityKernels.Scalar.Description, index.KernelDescription);
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void Operations_after_Dispose_throw_ObjectDisposedException()
    {
        var index = new VectorIndex(2, SimilarityMetric.Cosine);
        index.Add(1, [1f, 2f]);
        index.Dispose();
        index.Dispose(); // twice is fine

        Assert.Throws<ObjectDisposedException>(() => index.Add(2, [1f, 2f]));
        Assert.Throws<ObjectDisposedException>(() => index.AddRange([3, 4], [1f, 2f, 3f, 4f]));
        Assert.Throws<ObjectDisposedException>(() => index.Remove(1));
        Assert.Throws<ObjectDisposedException>(() => index.Search([1f, 2f], 1));
        Assert.Throws<ObjectDisposedException>(() => index.SearchBatch([1f, 2f, 3f, 4f], 1));
        Assert.Throws<ObjectDisposedException>(() => index.Save(new MemoryStream()));
        Assert.Equal(0, index.MemoryBytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MemoryBytes_stays_within_the_documented_bound_while_growing_and_shrinking(bool addRange)
    {
        const int count = 10_000, dimension = 384;
        const long bytesPerRow = (dimension * sizeof(float)) + sizeof(long) + sizeof(float);
        var random = new Random(600);
        using var index = new VectorIndex(dimension, SimilarityMetric.DotProduct);
        Assert.Equal(0, index.MemoryBytes);
        var vector = new float[dimension];
        long[] ids = [.. Enumerable.Range(0, count).Select(i => (long)i * 11)];

        void AssertBound(string when)
        {
            // Rows within 1.3x of Count x Dimension x 4 bytes, plus 64 rows; each capacity row also
            // holds an id (8 bytes) and a norm (4 bytes).
            int n = index.Count;
            long bytes = index.MemoryBytes;
            double upper = ((1.3 * n) + 64) * bytesPerRow;
            Assert.True(bytes >= n * bytesPerRow, $"{when}: {bytes} bytes cannot hold {n} rows");
            Assert.True(bytes <= upper, $"{when}: {bytes} bytes for {n} rows of {dimension} floats; the bound is {upper}");
        }

        if (addRange)
        {
            var rows = new float[1000 * dimension];
            for (int start = 0; start < count; start += 1000)
            {
                rows.AsSpan().Fill(start);
                index.AddRange(ids.AsSpan(start, 1000), rows);
                AssertBound($"after AddRange up to {start + 1000}");
            }
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                vector[i % dimension] = i;
                index.Add(ids[i], vector);
                AssertBound($"after Add {i}");
            }
        }

        Assert.Equal(count, index.Count);
        random.Shuffle(ids);
        for (int i = 0; i < count * 9 / 10; i++)
        {
            Assert.True(index.Remove(ids[i]));
            AssertBound($"after Remove {i}");
        }

        Assert.Equal(count / 10, index.Count);
        Assert.True(index.MemoryBytes <= ((1.3 * (count / 10)) + 64) * bytesPerRow);

        // Every remaining row is intact after the moves and shrinks.
        foreach (long id in ids.AsSpan(count * 9 / 10))
        {
            Assert.True(index.Contains(id));
        }
    }

    /// <summary>
    /// Four readers search while one writer adds and removes. Every stored vector is c·(1, …, 1)
    /// under id c, so each hit's score must be exactly what that id's vector gives: a half-written
    /// row, or an id paired with another row, would not.
    /// </summary>
    [Theory]
    [MemberData(nameof(SearchKernels.Names), MemberType = typeof(SearchKernels))]
    public async Task Concurrent_searches_see_only_whole_rows_while_a_writer_adds_and_removes(string kernelName)
    {
        ISimilarityKernel kernel = SearchKernels.Get(kernelName);
        const int dimension = 16, universe = 200;
        using var index = new VectorIndex(dimension, SimilarityMetric.SquaredEuclidean, kernel);
        var everAdded = new ConcurrentDictionary<long, bool>();
        var stored = new HashSet<long>();

        static float[] VectorOf(long id) => Enumerable.Repeat((float)id, dimension).ToArray();

        for (long id = -universe; id <= universe; id += 2)
        {
            everAdded[id] = true;
            index.Add(id, VectorOf(id));
            stored.Add(id);
        }

        Task writer = Task.Run(() =>
        {
            var random = new Random(700);
            for (int op = 0; op < 6000; op++)
            {
                int kind = random.Next(100);
                if (kind < 50)
                {
                    long id = random.Next(-universe, universe + 1);
                    if (!stored.Contains(id))
                    {
                        everAdded[id] = true;
                        index.Add(id, VectorOf(id));
                        stored.Add(id);
                    }
                }
                else if (kind < 85)
                {
                    long id = random.Next(-universe, universe + 1);
                    if (index.Remove(id) != stored.Remove(id))
                    {
                        throw new InvalidOperationException($"Remove({id}) disagreed with the model");
                    }
                }
                else
                {
                    long[] ids = [.. Enumerable.Range(0, 5).Select(_ => (long)random.Next(-universe, universe + 1)).Distinct().Where(id => !stored.Contains(id))];
                    foreach (long id in ids)
                    {
                        everAdded[id] = true;
                    }

                    index.AddRange(ids, [.. ids.SelectMany(VectorOf)]);
                    stored.UnionWith(ids);
                }
            }
        });

        Task[] readers = [.. Enumerable.Range(0, 4).Select(reader => Task.Run(() =>
        {
            var random = new Random(800 + reader);
            for (int i = 0; i < 1500; i++)
            {
                int queryCount = 1 + (i % 3);
                float[] queries = [.. Enumerable.Range(0, queryCount * dimension).Select(_ => (float)((random.NextDouble() * 500) - 250))];
                int k = random.Next(1, 21);
                SearchResult[][] results = queryCount == 1 ? [index.Search(queries, k)] : index.SearchBatch(queries, k);
                for (int q = 0; q < queryCount; q++)
                {
                    CheckHits(results[q], queries.AsSpan(q * dimension, dimension), k, everAdded, $"reader {reader} search {i} query {q}");
                }

                int count = index.Count;
                if (count < 0 || count > (2 * universe) + 1)
                {
                    throw new InvalidOperationException($"Count {count}");
                }

                _ = index.Contains(random.Next(-universe, universe + 1));
            }
        }))];

        await Task.WhenAll([writer, .. readers]).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(stored.Count, index.Count);
        for (long id = -universe; id <= universe; id++)
        {
            Assert.True(stored.Contains(id) == index.Contains(id), $"Contains({id}) after the writer finished");
        }
    }

    private static void CheckHits(SearchResult[] hits, ReadOnlySpan<float> query, int k, ConcurrentDictionary<long, bool> everAdded, string context)
    {
        Assert.True(hits.Length <= k && hits.Length > 0, $"{context}: {hits.Length} hits for k={k}");
        Assert.True(hits.Select(h => h.Id).Distinct().Count() == hits.Length, $"{context}: an id repeats");
        for (int i = 0; i < hits.Length; i++)
        {
            SearchResult hit = hits[i];
            Assert.True(everAdded.ContainsKey(hit.Id), $"{context}: id {hit.Id} was never added");
            double expected = 0;
            foreach (float x in query)
            {
                double d = x - (double)hit.Id;
                expected += d * d;
            }

            Assert.True(
                Math.Abs(hit.Score - expected) <= (BruteForce.ScoreTolerance * expected) + BruteForce.Floor,
                $"{context}: id {hit.Id} scores {hit.Score:R}, but its vector gives {expected:R}");
            if (i > 0)
            {
                SearchResult previous = hits[i - 1];
                Assert.True(
                    previous.Score < hit.Score || (previous.Score == hit.Score && previous.Id < hit.Id),
                    $"{context}: hits {i - 1} and {i} are out of order");
            }
        }
    }
}
