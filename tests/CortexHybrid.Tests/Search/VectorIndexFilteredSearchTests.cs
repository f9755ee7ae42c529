using CortexHybrid.Search;
using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Search;

/// <summary>
/// Search among candidate ids returns what an f64 brute force over those candidates alone returns,
/// for small candidate sets (scored id by id) and large ones (scanned), on every kernel and metric.
/// </summary>
public class VectorIndexFilteredSearchTests
{
    [Theory]
    [MemberData(nameof(SearchKernels.MetricsAndKernels), MemberType = typeof(SearchKernels))]
    public void A_filtered_search_returns_what_brute_force_over_the_candidates_returns(SimilarityMetric metric, string kernelName)
    {
        ISimilarityKernel kernel = SearchKernels.Get(kernelName);
        var random = new Random(700 + (int)metric);
        foreach ((int dimension, int count) in new[] { (7, 50), (16, 1000), (384, 3000) })
        {
            long[] ids = BruteForce.RandomIds(random, count);
            float[] rows = BruteForce.RandomFloats(random, count * dimension);
            using var index = new VectorIndex(dimension, metric, kernel);
            index.AddRange(ids, rows);

            // From one candidate to all of them: both the id-by-id and the scanning path.
            foreach (double share in new[] { 0.002, 0.05, 0.25, 0.26, 0.6, 1.0 })
            {
                int take = Math.Max(1, (int)(count * share));
                int[] chosen = [.. Enumerable.Range(0, count).OrderBy(_ => random.Next()).Take(take)];
                var candidates = new HashSet<long>(chosen.Select(r => ids[r]));
                long[] candidateIds = [.. chosen.Select(r => ids[r])];
                float[] candidateRows = new float[take * dimension];
                for (int c = 0; c < take; c++)
                {
                    rows.AsSpan(chosen[c] * dimension, dimension).CopyTo(candidateRows.AsSpan(c * dimension));
                }

                for (int q = 0; q < 5; q++)
                {
                    float[] query = BruteForce.RandomFloats(random, dimension);
                    BruteForce.Ranking reference = BruteForce.Rank(metric, candidateIds, candidateRows, query);
                    foreach (int k in new[] { 1, 10, take + 5 })
                    {
                        SearchResult[] got = index.Search(query, k, candidates);
                        reference.AssertMatches(k, got, $"{metric} {kernelName} d={dimension} n={count} candidates={take} k={k}");
                    }
                }
            }
        }
    }

    [Fact]
    public void Candidates_that_are_not_stored_are_ignored_and_none_gives_no_hits()
    {
        using var index = new VectorIndex(3, SimilarityMetric.Cosine);
        index.Add(1, [1, 0, 0]);
        index.Add(2, [0, 1, 0]);
        index.Add(3, [0, 0, 1]);

        SearchResult[] hits = index.Search([1, 1, 0], 5, new HashSet<long> { 2, 40, 41 });
        Assert.Equal([2L], hits.Select(h => h.Id));
        Assert.Empty(index.Search([1, 1, 0], 5, new HashSet<long>()));
        Assert.Empty(index.Search([1, 1, 0], 5, new HashSet<long> { 99 }));
    }

    [Fact]
    public void A_filtered_search_scores_a_hit_as_the_unfiltered_search_does()
    {
        var random = new Random(9);
        using var index = new VectorIndex(384, SimilarityMetric.Cosine);
        long[] ids = [.. Enumerable.Range(1, 500).Select(i => (long)i)];
        index.AddRange(ids, BruteForce.RandomFloats(random, 500 * 384));
        float[] query = BruteForce.RandomFloats(random, 384);

        SearchResult[] all = index.Search(query, 20);
        SearchResult[] filtered = index.Search(query, 20, new HashSet<long>(all.Select(h => h.Id)));
        Assert.Equal(all.Select(h => h.Id), filtered.Select(h => h.Id));
        for (int i = 0; i < all.Length; i++)
        {
            Assert.Equal(all[i].Score, filtered[i].Score, 1e-6f);
        }
    }

    [Fact]
    public void Bad_arguments_are_rejected_by_name()
    {
        using var index = new VectorIndex(2, SimilarityMetric.Cosine);
        index.Add(1, [1, 0]);
        Assert.Equal("candidates", Assert.Throws<ArgumentNullException>(() => index.Search([1, 0], 1, null!)).ParamName);
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => index.Search([1, 0, 0], 1, new HashSet<long> { 1 })).ParamName);
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => index.Search([float.NaN, 0], 1, new HashSet<long> { 1 })).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1, 0], 0, new HashSet<long> { 1 })).ParamName);
        index.Dispose();
        Assert.Throws<ObjectDisposedException>(() => index.Search([1, 0], 1, new HashSet<long> { 1 }));
    }
}
