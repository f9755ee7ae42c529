using System.Diagnostics;
using CortexHybrid.Memory.Vectors;
using CortexHybrid.Metrics;
using CortexHybrid.Pooling;
using Microsoft.Data.Sqlite;

namespace CortexHybrid.IntegrationTests.Pipeline;

/// <summary>
/// The seed design's integration scenarios on real time, with its (loose) thresholds: pool
/// acquisition under concurrency, cache hits against misses, monitor accuracy, a pipeline run and
/// a load run.
/// </summary>
[Collection(PipelineTimingCollection.Name)]
public class PipelineScenarioTests(CorpusFixture fixture) : IClassFixture<CorpusFixture>
{
    [Fact]
    public async Task Twenty_concurrent_acquisitions_all_succeed_with_a_short_average_wait()
    {
        await using VectorCorpusPipeline memory = await VectorCorpusPipeline.CreateAsync(fixture.Index);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<TimeSpan>[] acquisitions = [.. Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            await start.Task;
            long began = Stopwatch.GetTimestamp();
            await using PooledResource<SqliteConnection> lease = await memory.Pool.AcquireAsync();
            TimeSpan wait = Stopwatch.GetElapsedTime(began);
            using SqliteCommand command = lease.Value.CreateCommand();
            command.CommandText = "SELECT title FROM documents WHERE id = $id";
            command.Parameters.AddWithValue("$id", i);
            Assert.Equal($"Document {i}", (string?)command.ExecuteScalar());
            await Task.Delay(10);   // hold it a while, as a query would
            return wait;
        }))];
        start.SetResult();
        TimeSpan[] waits = await Task.WhenAll(acquisitions);

        Assert.True(waits.Average(w => w.TotalMilliseconds) < 100, $"average wait {waits.Average(w => w.TotalMilliseconds):0.0} ms");
        PoolStatistics pool = memory.Pool.GetStatistics();
        Assert.Equal(20, pool.SuccessfulAcquisitions);
        Assert.Equal(0, pool.FailedAcquisitions);
        Assert.True(pool.PeakSize <= 16, $"peak {pool.PeakSize}");
        Assert.True(pool.AverageWaitTime < TimeSpan.FromMilliseconds(100), $"pool's average wait {pool.AverageWaitTime}");
    }

    [Fact]
    public async Task Cache_hits_are_faster_than_misses()
    {
        const int N = 50;
        await using VectorCorpusPipeline memory = await VectorCorpusPipeline.CreateAsync(fixture.Index);
        float[] queries = SyntheticCorpus.Queries(fixture.Corpus, N + 1, seed: 21);

        // One query through both paths first, so neither average carries the JIT.
        await memory.SearchAsync(CorpusFixture.Query(queries, N), 10);
        await memory.SearchAsync(CorpusFixture.Query(queries, N), 10);

        double[] misses = new double[N], hits = new double[N];
        for (int q = 0; q < N; q++)
        {
            float[] query = CorpusFixture.Query(queries, q);
            long began = Stopwatch.GetTimestamp();
            Assert.False((await memory.SearchAsync(query, 10)).FromCache);
            misses[q] = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
        }

        for (int q = 0; q < N; q++)
        {
            float[] query = CorpusFixture.Query(queries, q);
            long began = Stopwatch.GetTimestamp();
            Assert.True((await memory.SearchAsync(query, 10)).FromCache);
            hits[q] = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
        }

        Assert.True(hits.Average() < misses.Average(), $"hits {hits.Average():0.000} ms, misses {misses.Average():0.000} ms on average");
    }

    [Fact]
    public async Task The_monitor_measures_fifty_millisecond_requests_as_fifty_milliseconds()
    {
        using var monitor = new PerformanceMonitor();
        var requests = new List<Task>();
        for (int i = 0; i < 10; i++)
        {
            requests.Add(Timed(monitor));
            await Task.Delay(50);
        }

        await Task.WhenAll(requests);
        LatencyDistribution latency = VectorCorpusPipelineTests.Operation(monitor.GetSnapshot().ResponseTimes, "delay").SinceStart;
        Assert.Equal(10, latency.Count);
        Assert.True(
            latency.MeanMilliseconds is >= 45 and <= 60,
            $"mean {latency.MeanMilliseconds:0.0} ms (min {latency.MinMilliseconds:0.0}, median {latency.P50Milliseconds:0.0}, max {latency.MaxMilliseconds:0.0})");

        static async Task Timed(PerformanceMonitor monitor)
        {
            RequestTimer timer = monitor.StartRequest("delay");
            await Task.Delay(50);
            timer.Dispose();
        }
    }

    [Fact]
    public async Task A_hundred_pipeline_requests_are_fast_healthy_and_every_acquisition_succeeds()
    {
        await using VectorCorpusPipeline memory = await VectorCorpusPipeline.CreateAsync(fixture.Index);
        float[] queries = SyntheticCorpus.Queries(fixture.Corpus, 40, seed: 22);
        await Parallel.ForEachAsync(Enumerable.Range(0, 100), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, token) =>
        {
            SearchResponse response = await memory.SearchAsync(CorpusFixture.Query(queries, i % 40), 10, token);
            Assert.Equal(10, response.Hits.Count);
        });

        PerformanceSnapshot snapshot = memory.Status();
        LatencyDistribution latency = VectorCorpusPipelineTests.Operation(snapshot.ResponseTimes, "search").Window;
        Assert.Equal(100, latency.Count);
        Assert.True(latency.MeanMilliseconds < 100, $"mean {latency.MeanMilliseconds:0.00} ms");
        Assert.True(latency.P95Milliseconds < 200, $"p95 {latency.P95Milliseconds:0.00} ms");
        Assert.Equal(0, snapshot.Errors.TotalErrors);
        double health = memory.Monitor.GetHealthScore();
        Assert.True(health > 0.7, $"health {health:0.00}");

        PoolStatistics pool = memory.Pool.GetStatistics();
        Assert.Equal(0, pool.FailedAcquisitions);
        Assert.Equal(0, pool.Timeouts);
        Assert.Equal(40, pool.SuccessfulAcquisitions);   // one per distinct query: the repeats are cache hits
        Assert.Equal(1.0, pool.SuccessRate);
    }

    [Fact]
    public async Task Ten_clients_of_fifty_requests_keep_p99_and_errors_low()
    {
        await using VectorCorpusPipeline memory = await VectorCorpusPipeline.CreateAsync(fixture.Index);
        float[] queries = SyntheticCorpus.Queries(fixture.Corpus, 200, seed: 23);
        long failures = 0, fromCache = 0;
        Task[] clients = [.. Enumerable.Range(0, 10).Select(client => Task.Run(async () =>
        {
            for (int i = 0; i < 50; i++)
            {
                try
                {
                    // Half the requests repeat another client's queries, half are new: hits and misses mixed.
                    int q = ((client * 50) + i) % 200;
                    if ((await memory.SearchAsync(CorpusFixture.Query(queries, q), 10)).FromCache)
                    {
                        Interlocked.Increment(ref fromCache);
                    }
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }))];
        await Task.WhenAll(clients);

        PerformanceSnapshot snapshot = memory.Status();
        LatencyDistribution latency = VectorCorpusPipelineTests.Operation(snapshot.ResponseTimes, "search").Window;
        Assert.Equal(500, latency.Count);
        Assert.True(latency.P99Milliseconds < 300, $"p99 {latency.P99Milliseconds:0.00} ms");
        Assert.True(snapshot.Errors.ErrorRate < 0.05, $"error rate {snapshot.Errors.ErrorRate:P1}");
        Assert.Equal(0, failures);
        Assert.Equal(200, memory.Batcher.QueryCount);   // 200 distinct queries, each searched once by whichever client asked first,
        Assert.Equal(300, fromCache);                   // and the other 300 requests served by the cache (or a search in flight)
    }
}
