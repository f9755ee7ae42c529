using System.Collections.Concurrent;
using System.Diagnostics;
using CortexHybrid.Memory.Vectors;
using CortexHybrid.Search;

namespace CortexHybrid.IntegrationTests.Pipeline;

/// <summary>The synthetic corpus: seeded, prefix-stable, clustered, unit-norm, fast; its queries and documents.</summary>
public class SyntheticCorpusTests
{
    [Fact]
    public void The_same_seed_gives_the_same_rows_and_a_smaller_corpus_is_a_prefix_of_a_larger_one()
    {
        EmbeddingMatrix first = SyntheticCorpus.Generate(1_000, 32, seed: 7);
        EmbeddingMatrix again = SyntheticCorpus.Generate(1_000, 32, seed: 7);
        EmbeddingMatrix larger = SyntheticCorpus.Generate(3_000, 32, seed: 7);
        EmbeddingMatrix other = SyntheticCorpus.Generate(1_000, 32, seed: 8);

        Assert.Equal(32, first.Dimension);
        Assert.Equal(1_000, first.Count);
        Assert.Equal(first.Values, again.Values);
        Assert.Equal(first.Values, larger.Values.AsSpan(0, first.Values.Length).ToArray());
        Assert.NotEqual(first.Values, other.Values);
    }

    [Fact]
    public void Rows_are_unit_vectors_close_to_their_own_cluster_and_far_from_others()
    {
        const int Clusters = 20;
        EmbeddingMatrix corpus = SyntheticCorpus.Generate(2_000, 64, seed: 3, clusters: Clusters);
        for (int i = 0; i < corpus.Count; i++)
        {
            Assert.InRange(Norm(corpus.Row(i)), 0.9999, 1.0001);
        }

        double same = 0, different = 0;
        int pairs = 0;
        for (int i = 0; i < 200; i++)
        {
            same += Dot(corpus.Row(i), corpus.Row(i + Clusters));     // same cluster (i % 20)
            different += Dot(corpus.Row(i), corpus.Row(i + 1));       // the next cluster
            pairs++;
        }

        Assert.InRange(same / pairs, 0.7, 0.9);    // about 1 / (1 + 0.5²)
        Assert.InRange(different / pairs, -0.15, 0.15);
    }

    [Fact]
    public void Queries_lie_next_to_stored_rows_and_are_seeded()
    {
        EmbeddingMatrix corpus = SyntheticCorpus.Generate(2_000, 64, seed: 5);
        using VectorIndex index = SyntheticCorpus.ToIndex(corpus);
        float[] queries = SyntheticCorpus.Queries(corpus, 50, seed: 9);
        Assert.Equal(50 * 64, queries.Length);
        for (int q = 0; q < 50; q++)
        {
            SearchResult best = index.Search(queries.AsSpan(q * 64, 64), 1)[0];
            Assert.True(best.Score > 0.99f, $"query {q}: best cosine {best.Score}");
        }

        Assert.Equal(queries.AsSpan(0, 10 * 64).ToArray(), SyntheticCorpus.Queries(corpus, 10, seed: 9));
        Assert.NotEqual(queries, SyntheticCorpus.Queries(corpus, 50, seed: 10));
    }

    [Fact]
    public void Progress_rises_about_every_percent_to_the_row_count()
    {
        var reports = new ConcurrentQueue<int>();
        SyntheticCorpus.Generate(20_000, 8, progress: new Recorder(reports));
        int[] seen = [.. reports];
        Assert.Equal(20_000, seen[^1]);
        Assert.InRange(seen.Length, 50, 101);
        for (int i = 1; i < seen.Length; i++)
        {
            Assert.True(seen[i] > seen[i - 1], $"report {i} ({seen[i]}) is not above the previous ({seen[i - 1]})");
        }
    }

    [Fact]
    public void The_default_corpus_size_is_built_in_seconds()
    {
        var stopwatch = Stopwatch.StartNew();
        EmbeddingMatrix corpus = SyntheticCorpus.Generate(100_000, 384);
        stopwatch.Stop();
        Assert.Equal(100_000, corpus.Count);
        Assert.Equal(384, corpus.Dimension);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"took {stopwatch.Elapsed}");
        Assert.InRange(Norm(corpus.Row(99_999)), 0.9999, 1.0001);
    }

    [Fact]
    public void Documents_are_deterministic_and_name_their_cluster()
    {
        Document document = SyntheticCorpus.DocumentFor(123);
        Assert.Equal(document, SyntheticCorpus.DocumentFor(123));
        Assert.Equal(123, document.Id);
        Assert.Equal("Document 123", document.Title);
        Assert.StartsWith("cluster 23 of 100", document.Body, StringComparison.Ordinal);
        Assert.StartsWith("cluster 3 of 20", SyntheticCorpus.DocumentFor(123, clusters: 20).Body, StringComparison.Ordinal);
        Assert.NotEqual(document.Body, SyntheticCorpus.DocumentFor(124).Body);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticCorpus.Generate(-1, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticCorpus.Generate(10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticCorpus.Generate(10, 8, clusters: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticCorpus.Generate(1 << 20, 1 << 20));
        Assert.Throws<ArgumentException>(() => SyntheticCorpus.Queries(new EmbeddingMatrix(8, []), 1, seed: 1));
        Assert.Equal(0, SyntheticCorpus.Generate(0, 8).Count);
    }

    private static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += (double)x[i] * y[i];
        }

        return sum;
    }

    private static double Norm(ReadOnlySpan<float> x) => Math.Sqrt(Dot(x, x));

    /// <summary>Records reports synchronously, in the order they are made (<see cref="Progress{T}"/> posts them to the thread pool).</summary>
    private sealed class Recorder(ConcurrentQueue<int> reports) : IProgress<int>
    {
        public void Report(int value) => reports.Enqueue(value);
    }
}
