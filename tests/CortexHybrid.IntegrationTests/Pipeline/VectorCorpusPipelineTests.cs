using CortexHybrid.Memory.Vectors;
using CortexHybrid.Metrics;
using CortexHybrid.Pooling;
using CortexHybrid.Search;
using Microsoft.Data.Sqlite;

namespace CortexHybrid.IntegrationTests.Pipeline;

/// <summary>VectorCorpusPipeline end to end on a 5,000 x 64 synthetic corpus: results, documents, cache, monitor, errors, disposal.</summary>
public class VectorCorpusPipelineTests(CorpusFixture fixture) : IClassFixture<CorpusFixture>
{
    private const int Dimension = CorpusFixture.Dimension;

    [Fact]
    public async Task Hits_are_the_index_search_with_the_documents_stored_in_sqlite()
    {
        await using VectorCorpusPipeline memory = await VectorCorpusPipeline.CreateAsync(fixture.Index);
        float[] queries = SyntheticCorpus.Queries(fixture.Corpus, 20, seed: 11);
        using var reader = new SqliteConnection($"Data Source={memory.DatabasePath};Mode=ReadOnly;Pooling=False");
        reader.Open();
        Assert.Equal((long)CorpusFixture.Rows, Scalar(reader, "SELECT COUNT(*) FROM documents"));

        for (int q = 0; q < 20; q++)
        {
            float[] query = CorpusFixture.Query(queries, q);
            SearchResponse response = await memory.SearchAsync(query, 10);
            SearchResult[] expected = fixture.Index.Search(query, 10);

            Assert.False(response.FromCache);
            Assert.Equal(expected.Select(r => r.Id), response.Hits.Select(h => h.Id));
            Assert.Equal(expected.Select(r => r.Score), response.Hits.Select(h => h.Score));
            foreach (SearchHit hit in response.Hits)
            {
                (string title, string body) = ReadDocument(reader, hit.Id);
                Assert.Equal(title, hit.Title);
                Assert.Equal(body, hit.Body);
                Assert.Equal(SyntheticCorpus.DocumentFor(hit.Id), new Document(hit.Id, title, body));
            }
        }
    }

    [Fact]
    public async Task The_same_query_again_comes_from_the_cache_and_another_k_does_not()
    {
        await using VectorCorpusPipeline memory = await VectorCorpusPipeline.CreateAsync(fixture.Index);
        float[] query = CorpusFixture.Query(SyntheticCorpus.Queries(fixture.Corpus, 1, seed: 12), 0);

        SearchResponse first = await memory.SearchAsync(query, 10);
        SearchResponse second = await memory.SearchAsync(query, 10);
        SearchResponse otherK = await memory.SearchAsync(query, 5);
        SearchResponse otherKAgain = await memory.SearchAsync(query, 5);

        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal(first.Hits, second.Hits);   // records: ids, scores, titles and bodies
        Assert.False(otherK.FromCache);
        Assert.Equal(first.Hits.Take(5), otherK.Hits);
        Assert.True(otherKAgain.FromCache);
        Assert.NotEqual(VectorCorpusPipeline.CacheKey(query, 10), VectorCorpusPipeline.CacheKey(query, 5));

        PerformanceSnapshot snapshot = memory.Status();
        Assert.Equal(4, Operation(snapshot.ResponseTimes, "search").SinceStart.Count);
        Assert.Equal(4, snapshot.Throughput.TotalRequests);
        Assert.Equal(4, Operation(snapshot.Stages, "cache").SinceStart.Count);
        Assert.Equal(2, Operation(snapshot.Stages, "search").SinceStart.Count);
        Assert.Equal(2, Operation(snapshot.Stages, "fetch").SinceStart.Count);
        Assert.Equal(0, snapshot.Errors.TotalErrors);
        Assert.Equal(2, snapshot.Cache["search"].L1Hits);
        Assert.Equal(2, snapshot.Cache["search"].Misses);
        Assert.Equal(2, snapshot.Pool["sqlite"].SuccessfulAcquisitions);
        Assert.Equal(2, memory.Batcher.QueryCount);
        Assert.Contains(fixture.Index.KernelDescription, snapshot.Kernels);
    }

    [Fact]
    public async Task Bad_queries_throw_ArgumentException_and_count_as_validation_errors()
    {
        await using VectorCorpusPipeline memory = await VectorCorpusPipeline.CreateAsync(fixture.Index);
        float[] nan = new float[Dimension];
        nan[3] = float.NaN;

        await Assert.ThrowsAsync<ArgumentException>(() => memory.SearchAsync(new float[Dimension - 1], 10));
        await Assert.ThrowsAsync<ArgumentException>(() => memory.SearchAsync(nan, 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => memory.SearchAsync(new float[Dimension], 0));
        await Assert.ThrowsAsync<ArgumentNullException>(() => memory.SearchAsync(null!, 10));

        PerformanceSnapshot snapshot = memory.Status();
        ErrorCategoryFigures validation = Assert.Single(snapshot.Errors.Categories);
        Assert.Equal("validation", validation.Category);
        Assert.Equal(4, validation.Total);
        Assert.Equal(4, Operation(snapshot.ResponseTimes, "search").SinceStart.Count);
        Assert.Equal(0, snapshot.Cache["search"].Requests);   // rejected before the cache
        Assert.Equal(0, memory.Batcher.QueryCount);
    }

    [Fact]
    public async Task A_cancelled_search_throws_and_counts_as_cancelled()
    {
        await using VectorCorpusPipeline memory = await VectorCorpusPipeline.CreateAsync(fixture.Index);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => memory.SearchAsync(new float[Dimension], 10, cancelled.Token));

        ErrorCategoryFigures error = Assert.Single(memory.Status().Errors.Categories);
        Assert.Equal("cancelled", error.Category);
        Assert.Equal(1, error.Total);
    }

    [Fact]
    public async Task An_exhausted_pool_is_a_timeout()
    {
        await using VectorCorpusPipeline memory = await VectorCorpusPipeline.CreateAsync(
            fixture.Index,
            new VectorCorpusPipelineOptions { PoolMinSize = 1, PoolMaxSize = 1, PoolAcquireTimeout = TimeSpan.FromMilliseconds(100) });
        await using (PooledResource<SqliteConnection> held = await memory.Pool.AcquireAsync())
        {
            float[] query = CorpusFixture.Query(SyntheticCorpus.Queries(fixture.Corpus, 1, seed: 13), 0);
            await Assert.ThrowsAsync<PoolExhaustedException>(() => memory.SearchAsync(query, 10));
        }

        ErrorCategoryFigures error = Assert.Single(memory.Status().Errors.Categories);
        Assert.Equal("timeout", error.Category);
        Assert.Equal(1, memory.Pool.GetStatistics().Timeouts);
    }

    [Fact]
    public async Task Disposal_deletes_the_temporary_directory_and_leaves_the_index_open()
    {
        EmbeddingMatrix corpus = SyntheticCorpus.Generate(500, 16, seed: 1);
        using VectorIndex index = SyntheticCorpus.ToIndex(corpus);
        VectorCorpusPipeline memory = await VectorCorpusPipeline.CreateAsync(index);
        string directory = Path.GetDirectoryName(memory.DatabasePath)!;
        Assert.True(File.Exists(memory.DatabasePath));
        Assert.Equal(VectorCorpusPipeline.DatabaseFileName, Path.GetFileName(memory.DatabasePath));
        float[] query = corpus.Row(7).ToArray();
        Assert.Equal(7, (await memory.SearchAsync(query, 1)).Hits[0].Id);

        await memory.DisposeAsync();
        await memory.DisposeAsync();   // a second call does nothing

        Assert.False(Directory.Exists(directory));
        Assert.Equal(500, index.Count);
        Assert.Equal(7, index.Search(query, 1)[0].Id);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => memory.SearchAsync(query, 1));
    }

    [Fact]
    public async Task A_given_directory_keeps_the_database_and_a_rebuild_replaces_it()
    {
        using var directory = new TemporaryDirectory();
        var options = new VectorCorpusPipelineOptions { Directory = directory.Path };
        string path;
        await using (VectorCorpusPipeline memory = await VectorCorpusPipeline.CreateAsync(fixture.Index, options))
        {
            path = memory.DatabasePath;
            Assert.Equal(Path.Combine(directory.Path, VectorCorpusPipeline.DatabaseFileName), path);
        }

        Assert.True(File.Exists(path));

        // Built again over another index: the file now holds that index's documents only.
        EmbeddingMatrix small = SyntheticCorpus.Generate(30, Dimension, seed: 2);
        using VectorIndex index = SyntheticCorpus.ToIndex(small);
        await using (VectorCorpusPipeline again = await VectorCorpusPipeline.CreateAsync(index, options))
        {
            Assert.Equal(path, again.DatabasePath);
        }

        using var reader = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        reader.Open();
        Assert.Equal(30L, Scalar(reader, "SELECT COUNT(*) FROM documents"));
    }

    [Fact]
    public async Task Given_documents_are_stored_for_the_index_ids_and_must_cover_them()
    {
        var corpus = new EmbeddingMatrix(4, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
        using var index = new VectorIndex(4);
        index.AddRange([100, 200, 300], corpus.Values);
        Document[] documents =
        [
            new(300, "third", "the z axis"),
            new(100, "first", "the x axis"),
            new(200, "second", "the y axis"),
            new(999, "extra", "not in the index"),
        ];

        await using (VectorCorpusPipeline memory = await VectorCorpusPipeline.CreateAsync(index, documents: documents))
        {
            SearchResponse response = await memory.SearchAsync([0.1f, 1, 0, 0], 3);
            Assert.Equal(new long[] { 200, 100, 300 }, response.Hits.Select(h => h.Id));
            Assert.Equal(new[] { "second", "first", "third" }, response.Hits.Select(h => h.Title));
            Assert.Equal("the y axis", response.Hits[0].Body);

            using var reader = new SqliteConnection($"Data Source={memory.DatabasePath};Mode=ReadOnly;Pooling=False");
            reader.Open();
            Assert.Equal(3L, Scalar(reader, "SELECT COUNT(*) FROM documents"));
        }

        ArgumentException missing = await Assert.ThrowsAsync<ArgumentException>(() => VectorCorpusPipeline.CreateAsync(index, documents: documents.Take(2)));
        Assert.Contains("id 200", missing.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => VectorCorpusPipeline.CreateAsync(index, documents: [.. documents, new Document(100, "again", "twice")]));
    }

    [Fact]
    public async Task Concurrent_searches_each_get_their_own_results()
    {
        await using VectorCorpusPipeline memory = await VectorCorpusPipeline.CreateAsync(fixture.Index, new VectorCorpusPipelineOptions { PoolMinSize = 0, PoolMaxSize = 4 });
        float[] queries = SyntheticCorpus.Queries(fixture.Corpus, 40, seed: 14);
        var tasks = new List<Task<(int Query, int K, SearchResponse Response)>>();
        for (int round = 0; round < 3; round++)
        {
            for (int q = 0; q < 40; q++)
            {
                int query = q, k = 1 + (q % 7);
                tasks.Add(Task.Run(async () => (query, k, await memory.SearchAsync(CorpusFixture.Query(queries, query), k))));
            }
        }

        foreach ((int query, int k, SearchResponse response) in await Task.WhenAll(tasks))
        {
            SearchResult[] expected = fixture.Index.Search(CorpusFixture.Query(queries, query), k);
            Assert.Equal(expected.Select(r => (r.Id, r.Score)), response.Hits.Select(h => (h.Id, h.Score)));
            Assert.All(response.Hits, hit => Assert.Equal(SyntheticCorpus.DocumentFor(hit.Id).Title, hit.Title));
        }

        PoolStatistics pool = memory.Pool.GetStatistics();
        Assert.Equal(0, pool.FailedAcquisitions);
        Assert.True(pool.PeakSize <= 4);
        Assert.Equal(40, memory.Batcher.QueryCount);   // each query and k searched once, whatever the interleaving
        Assert.Equal(120, Operation(memory.Status().ResponseTimes, "search").SinceStart.Count);
    }

    [Fact]
    public async Task The_default_corpus_size_is_stored_in_seconds()
    {
        EmbeddingMatrix corpus = SyntheticCorpus.Generate(100_000, 384);
        using VectorIndex index = SyntheticCorpus.ToIndex(corpus);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await using VectorCorpusPipeline memory = await VectorCorpusPipeline.CreateAsync(index);
        stopwatch.Stop();
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"took {stopwatch.Elapsed}");   // about 0.5 s here

        using var reader = new SqliteConnection($"Data Source={memory.DatabasePath};Mode=ReadOnly;Pooling=False");
        reader.Open();
        Assert.Equal(100_000L, Scalar(reader, "SELECT COUNT(*) FROM documents"));
        Assert.Equal(99_999L, Scalar(reader, "SELECT MAX(id) FROM documents"));
        SearchResponse response = await memory.SearchAsync(corpus.Row(54_321).ToArray(), 3);
        Assert.Equal(54_321, response.Hits[0].Id);
        Assert.Equal("Document 54321", response.Hits[0].Title);
    }

    [Fact]
    public async Task Bad_options_are_rejected_before_anything_is_built()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => VectorCorpusPipeline.CreateAsync(fixture.Index, new VectorCorpusPipelineOptions { PoolMinSize = 5, PoolMaxSize = 4 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => VectorCorpusPipeline.CreateAsync(fixture.Index, new VectorCorpusPipelineOptions { CacheTtl = TimeSpan.Zero }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => VectorCorpusPipeline.CreateAsync(fixture.Index, new VectorCorpusPipelineOptions { MaxBatchSize = 0 }));
        await Assert.ThrowsAsync<ArgumentNullException>(() => VectorCorpusPipeline.CreateAsync(null!));
    }

    internal static OperationLatency Operation(IReadOnlyList<OperationLatency> latencies, string name) =>
        Assert.Single(latencies, l => l.Name == name);

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static (string Title, string Body) ReadDocument(SqliteConnection connection, long id)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT title, body FROM documents WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        using SqliteDataReader reader = command.ExecuteReader();
        Assert.True(reader.Read(), $"no document {id}");
        return (reader.GetString(0), reader.GetString(1));
    }
}
