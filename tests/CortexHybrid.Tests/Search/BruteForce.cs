using CortexHybrid.Search;

namespace CortexHybrid.Tests.Search;

/// <summary>
/// The f64 brute-force reference a <see cref="VectorIndex"/> is checked against, and the checks:
/// <list type="bullet">
/// <item>every returned score is within 1e-5 of the reference, relative to the score's scale
/// (cosine: 1; dot: Σ|x·y|; squared distance: the distance), exactly 0 where the scale is 0
/// (a zero vector for cosine or dot);</item>
/// <item>the hits are ordered by their own scores, equal scores by ascending id;</item>
/// <item>position by position, the reference score of the returned id equals the reference score
/// of the reference's id, or is within 1e-6 of it relative to the scale (a near-tie f32 rounding
/// may swap), so the set and order are the reference's up to such swaps;</item>
/// <item>rows whose reference scores are exactly equal (duplicate vectors, zero vectors) come in
/// ascending id order, and of such a group only the smallest ids may be returned.</item>
/// </list>
/// </summary>
public static class BruteForce
{
    public const double ScoreTolerance = 1e-5;
    public const double SwapTolerance = 1e-6;
    public const double Floor = 1e-37;

    /// <summary>The reference score of a row against a query, and the scale its error is measured against.</summary>
    public static double Score(SimilarityMetric metric, ReadOnlySpan<float> query, ReadOnlySpan<float> row, out double scale)
    {
        switch (metric)
        {
            case SimilarityMetric.DotProduct:
            {
                double dot = 0, abs = 0;
                for (int i = 0; i < query.Length; i++)
                {
                    double p = (double)query[i] * row[i];
                    dot += p;
                    abs += Math.Abs(p);
                }

                scale = abs;
                return dot;
            }

            case SimilarityMetric.Cosine:
            {
                double dot = 0, qq = 0, rr = 0;
                for (int i = 0; i < query.Length; i++)
                {
                    dot += (double)query[i] * row[i];
                    qq += (double)query[i] * query[i];
                    rr += (double)row[i] * row[i];
                }

                if (qq == 0 || rr == 0)
                {
                    scale = 0;
                    return 0;
                }

                scale = 1;
                return dot / (Math.Sqrt(qq) * Math.Sqrt(rr));
            }

            case SimilarityMetric.SquaredEuclidean:
            {
                double sum = 0;
                for (int i = 0; i < query.Length; i++)
                {
                    double d = (double)query[i] - row[i];
                    sum += d * d;
                }

                scale = sum;
                return sum;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(metric));
        }
    }

    /// <summary>Asserts two answers are the same hits in the same order with bit-identical scores.</summary>
    public static void AssertIdentical(SearchResult[] expected, SearchResult[] actual, string context)
    {
        Assert.True(expected.Length == actual.Length, $"{context}: {actual.Length} hits, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(
                expected[i].Id == actual[i].Id && BitConverter.SingleToInt32Bits(expected[i].Score) == BitConverter.SingleToInt32Bits(actual[i].Score),
                $"{context}: hit {i} is (id {actual[i].Id}, {actual[i].Score:R}), expected (id {expected[i].Id}, {expected[i].Score:R})");
        }
    }

    /// <summary>Uniform floats in [-1, 1).</summary>
    public static float[] RandomFloats(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    /// <summary>Distinct ids in random order, negative and positive, including the extremes of long.</summary>
    public static long[] RandomIds(Random random, int count)
    {
        var ids = new HashSet<long>();
        if (count >= 2)
        {
            ids.Add(long.MinValue);
            ids.Add(long.MaxValue);
        }

        while (ids.Count < count)
        {
            ids.Add(random.NextInt64(-1_000_000_000_000, 1_000_000_000_000));
        }

        long[] result = [.. ids];
        random.Shuffle(result);
        return result;
    }

    /// <summary>True when the metric ranks higher scores first.</summary>
    public static bool HigherIsBetter(SimilarityMetric metric) => metric != SimilarityMetric.SquaredEuclidean;

    /// <summary>Every row ranked against the query, best first, ties by ascending id.</summary>
    public static Ranking Rank(SimilarityMetric metric, ReadOnlySpan<long> ids, ReadOnlySpan<float> rows, ReadOnlySpan<float> query)
    {
        int dimension = query.Length;
        var ranked = new Ranked[ids.Length];
        for (int r = 0; r < ids.Length; r++)
        {
            double score = Score(metric, query, rows.Slice(r * dimension, dimension), out double scale);
            ranked[r] = new Ranked(ids[r], score, scale);
        }

        bool higher = HigherIsBetter(metric);
        Array.Sort(ranked, (a, b) =>
        {
            int byScore = higher ? b.Score.CompareTo(a.Score) : a.Score.CompareTo(b.Score);
            return byScore != 0 ? byScore : a.Id.CompareTo(b.Id);
        });
        return new Ranking(metric, ranked);
    }

    /// <summary>Ranks the rows of a model (id → vector).</summary>
    public static Ranking Rank(SimilarityMetric metric, IReadOnlyDictionary<long, float[]> model, ReadOnlySpan<float> query)
    {
        long[] ids = [.. model.Keys];
        var rows = new float[ids.Length * query.Length];
        for (int r = 0; r < ids.Length; r++)
        {
            model[ids[r]].CopyTo(rows, r * query.Length);
        }

        return Rank(metric, ids, rows, query);
    }

    /// <summary>One row's reference score against a query.</summary>
    public readonly record struct Ranked(long Id, double Score, double Scale);

    /// <summary>Every row of an index ranked against one query, with the checks of a search result.</summary>
    public sealed class Ranking
    {
        private readonly Dictionary<long, int> _rankOf;
        private readonly int[] _runStart;

        public Ranking(SimilarityMetric metric, Ranked[] ranked)
        {
            Metric = metric;
            Rows = ranked;
            _rankOf = new Dictionary<long, int>(ranked.Length);
            _runStart = new int[ranked.Length];
            for (int i = 0; i < ranked.Length; i++)
            {
                _rankOf.Add(ranked[i].Id, i);
                _runStart[i] = i > 0 && ranked[i].Score == ranked[i - 1].Score ? _runStart[i - 1] : i;
            }
        }

        public SimilarityMetric Metric { get; }

        public Ranked[] Rows { get; }

        /// <summary>The reference's ids of the top <paramref name="k"/>.</summary>
        public long[] TopIds(int k) => [.. Rows.Take(k).Select(r => r.Id)];

        /// <summary>Asserts that <paramref name="got"/> is a correct answer for k (see the class summary).</summary>
        public void AssertMatches(int k, SearchResult[] got, string context)
        {
            int expectedLength = Math.Min(k, Rows.Length);
            Assert.True(got.Length == expectedLength, $"{context}: {got.Length} hits for k={k} over {Rows.Length} rows, expected {expectedLength}");
            bool higher = HigherIsBetter(Metric);
            var ranks = new HashSet<int>();
            var ranksOfGot = new int[got.Length];
            for (int i = 0; i < got.Length; i++)
            {
                SearchResult hit = got[i];
                Assert.True(_rankOf.TryGetValue(hit.Id, out int rank), $"{context}: hit {i} has id {hit.Id}, which is not in the index");
                Assert.True(ranks.Add(rank), $"{context}: id {hit.Id} is returned twice");
                ranksOfGot[i] = rank;
                Ranked reference = Rows[rank];

                double tolerance = (ScoreTolerance * reference.Scale) + Floor;
                Assert.True(
                    Math.Abs(hit.Score - reference.Score) <= tolerance,
                    $"{context}: hit {i} (id {hit.Id}) scores {hit.Score:R}, reference {reference.Score:R} (tolerance {tolerance:G3})");

                if (i > 0)
                {
                    SearchResult previous = got[i - 1];
                    bool ordered = higher ? previous.Score > hit.Score : previous.Score < hit.Score;
                    Assert.True(
                        ordered || (previous.Score == hit.Score && previous.Id < hit.Id),
                        $"{context}: hits {i - 1} (id {previous.Id}, {previous.Score:R}) and {i} (id {hit.Id}, {hit.Score:R}) are out of order");
                }

                Ranked expected = Rows[i];
                if (expected.Id != hit.Id)
                {
                    double swap = (SwapTolerance * Math.Max(expected.Scale, reference.Scale)) + Floor;
                    Assert.True(
                        Math.Abs(expected.Score - reference.Score) <= swap,
                        $"{context}: hit {i} is id {hit.Id} (reference score {reference.Score:R}), but the reference puts id {expected.Id} there ({expected.Score:R}); they differ by more than {swap:G3}");
                }
            }

            // Exact reference ties: ascending ids, and only a prefix (by id) of each tie group.
            var lastRankInRun = new Dictionary<int, int>();
            for (int i = 0; i < got.Length; i++)
            {
                int rank = ranksOfGot[i];
                int run = _runStart[rank];
                if (rank > run)
                {
                    Assert.True(
                        ranks.Contains(rank - 1),
                        $"{context}: id {got[i].Id} is returned but id {Rows[rank - 1].Id}, with exactly the same reference score {Rows[rank].Score:R} and a smaller id, is not");
                }

                if (lastRankInRun.TryGetValue(run, out int last))
                {
                    Assert.True(
                        last < rank,
                        $"{context}: ids {Rows[last].Id} and {got[i].Id} tie exactly (score {Rows[rank].Score:R}) but are not in ascending id order");
                }

                lastRankInRun[run] = rank;
            }
        }
    }
}
