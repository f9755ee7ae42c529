using CortexHybrid.Search;
using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Search;

/// <summary>
/// Search and SearchBatch return what an f64 brute force returns (see <see cref="BruteForce"/> for
/// the tolerances), on every kernel, for every metric, across dimensions, counts, k and batch sizes.
/// </summary>
public class VectorIndexExactnessTests
{
    private static readonly (int Dimension, int Count)[] Cases =
    [
        (1, 1), (1, 37), (7, 2), (7, 300), (16, 10), (16, 1000), (17, 11), (17, 2000), (100, 64), (100, 700), (384, 5), (384, 5000),
    ];

    private static readonly int[] BatchSizes = [1, 3, 16, 17];

    private const int QueryCount = 40;

    [Theory]
    [MemberData(nameof(SearchKernels.MetricsAndKernels), MemberType = typeof(SearchKernels))]
    public void Search_and_SearchBatch_return_what_brute_force_returns(SimilarityMetric metric, string kernelName)
    {
        ISimilarityKernel kernel = SearchKernels.Get(kernelName);
        var random = new Random(100 + (int)metric);
        foreach ((int dimension, int count) in Cases)
        {
            string context = $"{metric} {kernelName} d={dimension} n={count}";
            int removed = count / 20;
            int added = count + removed;
            long[] ids = BruteForce.RandomIds(random, added);
            float[] rows = BruteForce.RandomFloats(random, added * dimension);
            if (metric == SimilarityMetric.DotProduct)
            {
                // Rows of different lengths, so dot products spread beyond the directions.
                for (int r = 0; r < added; r++)
                {
                    float magnitude = (float)(0.1 + (random.NextDouble() * 10));
                    for (int i = 0; i < dimension; i++)
                    {
                        rows[(r * dimension) + i] *= magnitude;
                    }
                }
            }

            if (metric != SimilarityMetric.SquaredEuclidean && added >= 3)
            {
                rows.AsSpan(dimension, dimension).Clear(); // a zero row: cosine and dot score it 0
            }

            using var index = new VectorIndex(dimension, metric, kernel);
            int single = added / 2;
            for (int r = 0; r < single; r++)
            {
                index.Add(ids[r], rows.AsSpan(r * dimension, dimension));
            }

            for (int r = single; r < added; r += 97)
            {
                int n = Math.Min(97, added - r);
                index.AddRange(ids.AsSpan(r, n), rows.AsSpan(r * dimension, n * dimension));
            }

            // Remove some rows (the last row moves into each hole), and drop them from the reference.
            var gone = new HashSet<long>();
            while (gone.Count < removed)
            {
                long id = ids[random.Next(added)];
                if (gone.Add(id))
                {
                    Assert.True(index.Remove(id), $"{context}: Remove({id})");
                }
            }

            var keptIds = new List<long>(count);
            var keptRows = new List<float>(count * dimension);
            for (int r = 0; r < added; r++)
            {
                if (!gone.Contains(ids[r]))
                {
                    keptIds.Add(ids[r]);
                    keptRows.AddRange(rows.AsSpan(r * dimension, dimension));
                }
            }

            Assert.Equal(count, index.Count);
            long[] referenceIds = [.. keptIds];
            float[] referenceRows = [.. keptRows];

            float[] queries = BruteForce.RandomFloats(random, QueryCount * dimension);
            queries.AsSpan(7 * dimension, dimension).Clear(); // a zero query
            referenceRows.AsSpan((count / 2) * dimension, dimension).CopyTo(queries.AsSpan(9 * dimension)); // a stored row as query
            var rankings = new BruteForce.Ranking[QueryCount];
            for (int q = 0; q < QueryCount; q++)
            {
                rankings[q] = BruteForce.Rank(metric, referenceIds, referenceRows, queries.AsSpan(q * dimension, dimension));
            }

            foreach (int k in new[] { 1, 10, count, count + 5 }.Distinct())
            {
                SearchResult[][] all = index.SearchBatch(queries, k);
                Assert.Equal(QueryCount, all.Length);
                for (int q = 0; q < QueryCount; q++)
                {
                    rankings[q].AssertMatches(k, all[q], $"{context} k={k} batch of {QueryCount}, query {q}");
                }

                foreach (int batch in BatchSizes)
                {
                    SearchResult[][] some = index.SearchBatch(queries.AsSpan(0, batch * dimension), k);
                    Assert.Equal(batch, some.Length);
                    for (int q = 0; q < batch; q++)
                    {
                        BruteForce.AssertIdentical(all[q], some[q], $"{context} k={k} batch of {batch}, query {q} vs batch of {QueryCount}");
                    }
                }

                foreach (int q in new[] { 0, 1, 2, 5, 7, 9, 16, 39 })
                {
                    SearchResult[] hits = index.Search(queries.AsSpan(q * dimension, dimension), k);
                    BruteForce.AssertIdentical(all[q], hits, $"{context} k={k} Search of query {q} vs batch");
                }

                if (metric != SimilarityMetric.SquaredEuclidean)
                {
                    // The zero query scores every row 0: the k smallest ids, ascending.
                    long[] smallest = [.. referenceIds.Order().Take(k)];
                    Assert.Equal(smallest, all[7].Select(h => h.Id));
                    Assert.All(all[7], h => Assert.Equal(0f, h.Score));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(SearchKernels.MetricsAndKernels), MemberType = typeof(SearchKernels))]
    public void Duplicate_vectors_tie_exactly_and_come_in_ascending_id_order(SimilarityMetric metric, string kernelName)
    {
        ISimilarityKernel kernel = SearchKernels.Get(kernelName);
        var random = new Random(200 + (int)metric);
        const int dimension = 16, bases = 6, copies = 40, count = bases * copies;
        float[] baseVectors = BruteForce.RandomFloats(random, bases * dimension);
        for (int b = 0; b < bases; b++)
        {
            for (int i = 0; i < dimension; i++)
            {
                baseVectors[(b * dimension) + i] *= b + 1; // distinct lengths for the dot product
            }
        }

        // Row r is a copy of base r % bases; for cosine, scaled by a power of two, which changes
        // neither the reference cosine nor the normalized row (both exactly).
        int[] order = [.. Enumerable.Range(0, count)];
        random.Shuffle(order);
        long[] ids = BruteForce.RandomIds(random, count);
        var rows = new float[count * dimension];
        for (int r = 0; r < count; r++)
        {
            int b = order[r] % bases;
            float factor = metric == SimilarityMetric.Cosine ? MathF.ScaleB(1f, (order[r] / bases % 5) - 2) : 1f;
            for (int i = 0; i < dimension; i++)
            {
                rows[(r * dimension) + i] = baseVectors[(b * dimension) + i] * factor;
            }
        }

        using var index = new VectorIndex(dimension, metric, kernel);
        index.AddRange(ids, rows);
        // Queries for which the bases score far apart, so the answer is exactly the reference's.
        const int queryCount = 17;
        var queries = new float[queryCount * dimension];
        for (int q = 0; q < queryCount;)
        {
            float[] candidate = BruteForce.RandomFloats(random, dimension);
            double[] baseScores = [.. Enumerable.Range(0, bases).Select(b => BruteForce.Score(metric, candidate, baseVectors.AsSpan(b * dimension, dimension), out _))];
            double spread = baseScores.Max(Math.Abs) + 1;
            if (baseScores.SelectMany((a, i) => baseScores.Skip(i + 1).Select(b => Math.Abs(a - b))).Min() > 1e-3 * spread)
            {
                candidate.CopyTo(queries, q * dimension);
                q++;
            }
        }

        foreach (int k in new[] { 1, 10, copies - 1, copies, copies + 1, 3 * copies, count, count + 5 })
        {
            SearchResult[][] results = index.SearchBatch(queries, k);
            for (int q = 0; q < queryCount; q++)
            {
                float[] query = queries.AsSpan(q * dimension, dimension).ToArray();
                BruteForce.Ranking ranking = BruteForce.Rank(metric, ids, rows, query);
                string context = $"{metric} {kernelName} k={k} query {q}";
                ranking.AssertMatches(k, results[q], context);
                Assert.Equal(ranking.TopIds(k), results[q].Select(h => h.Id));

                // Copies of one vector score bit for bit the same.
                var scoreOfBase = new Dictionary<int, int>();
                var rowOfId = new Dictionary<long, int>();
                for (int r = 0; r < count; r++)
                {
                    rowOfId[ids[r]] = r;
                }

                foreach (SearchResult hit in results[q])
                {
                    int b = order[rowOfId[hit.Id]] % bases;
                    int bits = BitConverter.SingleToInt32Bits(hit.Score);
                    Assert.True(scoreOfBase.TryAdd(b, bits) || scoreOfBase[b] == bits, $"{context}: copies of base {b} score differently");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(SearchKernels.Names), MemberType = typeof(SearchKernels))]
    public void Cosine_scores_zero_vectors_zero_and_ranks_them_by_id(string kernelName)
    {
        ISimilarityKernel kernel = SearchKernels.Get(kernelName);
        var random = new Random(300);
        const int dimension = 24, count = 300;
        long[] ids = BruteForce.RandomIds(random, count);
        float[] rows = BruteForce.RandomFloats(random, count * dimension);
        var zeroIds = new List<long>();
        for (int r = 0; r < count; r += 10)
        {
            rows.AsSpan(r * dimension, dimension).Clear();
            zeroIds.Add(ids[r]);
        }

        using var index = new VectorIndex(dimension, SimilarityMetric.Cosine, kernel);
        index.AddRange(ids, rows);
        for (int q = 0; q < 5; q++)
        {
            float[] query = BruteForce.RandomFloats(random, dimension);
            SearchResult[] hits = index.Search(query, count);
            BruteForce.Rank(SimilarityMetric.Cosine, ids, rows, query).AssertMatches(count, hits, $"{kernelName} query {q}");
            SearchResult[] zeros = [.. hits.Where(h => zeroIds.Contains(h.Id))];
            Assert.Equal(zeroIds.Count, zeros.Length);
            Assert.All(zeros, h => Assert.Equal(0f, h.Score));
            Assert.Equal(zeroIds.Order(), zeros.Select(h => h.Id));
        }
    }

    [Theory]
    [MemberData(nameof(SearchKernels.MetricsAndKernels), MemberType = typeof(SearchKernels))]
    public void Partitioned_searches_equal_unpartitioned_ones_and_the_reference(SimilarityMetric metric, string kernelName)
    {
        ISimilarityKernel kernel = SearchKernels.Get(kernelName);
        var random = new Random(400 + (int)metric);
        const int dimension = 128, half = 1550, count = 2 * half;
        Assert.True((long)count * dimension >= 3 * VectorIndex.MinPartitionFloats, "test data: too small for three partitions");

        // The second half repeats the first under smaller (negative) ids: every row ties exactly
        // with one in another partition, and the merge must keep the smaller id.
        float[] firstHalf = BruteForce.RandomFloats(random, half * dimension);
        float[] rows = [.. firstHalf, .. firstHalf];
        var ids = new long[count];
        for (int r = 0; r < half; r++)
        {
            ids[r] = 10_000 + (3L * r);
            ids[half + r] = -7L * (r + 1);
        }

        using var index = new VectorIndex(dimension, metric, kernel);
        index.AddRange(ids, rows);
        const int queryCount = 20;
        float[] queries = BruteForce.RandomFloats(random, queryCount * dimension);
        var rankings = new BruteForce.Ranking[queryCount];
        for (int q = 0; q < queryCount; q++)
        {
            rankings[q] = BruteForce.Rank(metric, ids, rows, queries.AsSpan(q * dimension, dimension));
        }

        foreach (int k in new[] { 1, 10, 777, count, count + 5 })
        {
            index.MaxDegreeOfParallelism = 1;
            SearchResult[][] sequential = index.SearchBatch(queries, k);
            for (int q = 0; q < queryCount; q++)
            {
                string context = $"{metric} {kernelName} k={k} query {q}";
                rankings[q].AssertMatches(k, sequential[q], context + " (1 thread)");
                Assert.Equal(rankings[q].TopIds(Math.Min(k, 2)), sequential[q].Take(2).Select(h => h.Id));
                Assert.True(sequential[q][0].Id < 0, $"{context}: the best row's copy with the smaller id must win");
            }

            foreach (int threads in new[] { 2, 3 })
            {
                index.MaxDegreeOfParallelism = threads;
                SearchResult[][] parallel = index.SearchBatch(queries, k);
                for (int q = 0; q < queryCount; q++)
                {
                    BruteForce.AssertIdentical(sequential[q], parallel[q], $"{metric} {kernelName} k={k} query {q}, {threads} threads vs 1");
                }

                SearchResult[] one = index.Search(queries.AsSpan(0, dimension), k);
                BruteForce.AssertIdentical(sequential[0], one, $"{metric} {kernelName} k={k} Search, {threads} threads vs 1");
            }
        }
    }

    [Fact]
    public void MaxDegreeOfParallelism_rejects_values_below_one()
    {
        using var index = new VectorIndex(4);
        Assert.Equal(Environment.ProcessorCount, index.MaxDegreeOfParallelism);
        Assert.Throws<ArgumentOutOfRangeException>(() => index.MaxDegreeOfParallelism = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => index.MaxDegreeOfParallelism = -1);
        index.MaxDegreeOfParallelism = 1;
        Assert.Equal(1, index.MaxDegreeOfParallelism);
    }

    /// <summary>
    /// Finite rows whose f32 dot product overflows to +inf and -inf score NaN. Such a row must not
    /// decide the answer: the same rows stored in either order give the same top 1, the reference's.
    /// </summary>
    [Theory]
    [MemberData(nameof(SearchKernels.Names), MemberType = typeof(SearchKernels))]
    public void A_row_whose_score_overflows_to_NaN_does_not_hide_the_best_row(string kernelName)
    {
        ISimilarityKernel kernel = SearchKernels.Get(kernelName);
        float[] overflowing = [3e38f, 3e38f];
        float[] ordinary = [1f, 0f];
        float[] query = [3e38f, -3e38f];

        // f64 reference: the overflowing row scores 9e76 - 9e76 = 0, the ordinary one 3e38.
        Assert.Equal(0, BruteForce.Score(SimilarityMetric.DotProduct, query, overflowing, out _));
        Assert.Equal(3e38, BruteForce.Score(SimilarityMetric.DotProduct, query, ordinary, out _), 1e32);

        using var ordinaryFirst = new VectorIndex(2, SimilarityMetric.DotProduct, kernel);
        ordinaryFirst.Add(2, ordinary);
        ordinaryFirst.Add(1, overflowing);
        using var overflowingFirst = new VectorIndex(2, SimilarityMetric.DotProduct, kernel);
        overflowingFirst.Add(1, overflowing);
        overflowingFirst.Add(2, ordinary);

        Assert.Equal(2, ordinaryFirst.Search(query, 1)[0].Id);
        Assert.Equal(2, overflowingFirst.Search(query, 1)[0].Id);
    }
}
