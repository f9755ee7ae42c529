using CortexHybrid.Search;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Search;

/// <summary>
/// QueryBatcher: concurrent callers get exactly what <see cref="VectorIndex.Search"/> gives them,
/// queries coalesce into batches, cancellation touches only its caller, maxDelay follows the
/// clock it is given, and DisposeAsync answers what was queued before it.
/// </summary>
public class QueryBatcherTests
{
    private const int Dimension = 32;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Concurrent_callers_get_exactly_what_Search_gives_them_and_queries_coalesce()
    {
        using VectorIndex index = NewIndex(2000, seed: 1100);
        var random = new Random(1101);
        float[][] queries = [.. Enumerable.Range(0, 200).Select(_ => BruteForce.RandomFloats(random, Dimension))];
        int[] ks = [.. Enumerable.Range(0, 200).Select(_ => random.Next(1, 21))];

        await using var batcher = new QueryBatcher(index, maxBatchSize: 16);
        var pending = new Task<SearchResult[]>[200];
        for (int i = 0; i < 200; i++)
        {
            pending[i] = batcher.SearchAsync(queries[i], ks[i]).AsTask(); // all started before any is awaited
        }

        SearchResult[][] answers = await Task.WhenAll(pending).WaitAsync(Timeout);
        for (int i = 0; i < 200; i++)
        {
            BruteForce.AssertIdentical(index.Search(queries[i], ks[i]), answers[i], $"caller {i} (k={ks[i]})");
        }

        Assert.Equal(200, batcher.QueryCount);
        Assert.True(batcher.BatchCount < batcher.QueryCount, $"{batcher.BatchCount} batches for {batcher.QueryCount} queries: nothing coalesced");
        Assert.True(batcher.BatchCount >= 13, $"{batcher.BatchCount} batches of at most 16 cannot hold 200 queries");
    }

    [Fact]
    public async Task Callers_on_many_threads_get_exactly_what_Search_gives_them()
    {
        using VectorIndex index = NewIndex(1500, seed: 1102);
        await using var batcher = new QueryBatcher(index, maxBatchSize: 16);
        SearchResult[][] answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            var random = new Random(1200 + i);
            float[] query = BruteForce.RandomFloats(random, Dimension);
            int k = random.Next(1, 21);
            SearchResult[] hits = await batcher.SearchAsync(query, k);
            BruteForce.AssertIdentical(index.Search(query, k), hits, $"caller {i} (k={k})");
            return hits;
        }))).WaitAsync(Timeout);
        Assert.Equal(200, answers.Length);
        Assert.Equal(200, batcher.QueryCount);
    }

    [Fact]
    public async Task Queries_waiting_for_the_delay_coalesce_deterministically()
    {
        using VectorIndex index = NewIndex(300, seed: 1103);
        var time = new SignallingTimeProvider();
        await using var batcher = new QueryBatcher(index, maxBatchSize: 16, maxDelay: TimeSpan.FromMilliseconds(10), timeProvider: time);
        var random = new Random(1104);
        float[][] queries = [.. Enumerable.Range(0, 32).Select(_ => BruteForce.RandomFloats(random, Dimension))];

        Task<SearchResult[]> first = batcher.SearchAsync(queries[0], 5).AsTask();
        await time.WaitForTimerAsync(); // the loop took the first query and waits for more
        Task<SearchResult[]>[] rest = [.. queries.Skip(1).Select(q => batcher.SearchAsync(q, 5).AsTask())];
        Assert.False(first.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(10));

        SearchResult[][] answers = await Task.WhenAll([first, .. rest]).WaitAsync(Timeout);
        for (int i = 0; i < 32; i++)
        {
            BruteForce.AssertIdentical(index.Search(queries[i], 5), answers[i], $"query {i}");
        }

        // 1 + 15 after the delay, then a full batch of 16 that does not wait.
        Assert.Equal(2, batcher.BatchCount);
        Assert.Equal(32, batcher.QueryCount);
    }

    [Fact]
    public async Task A_batch_size_of_one_runs_every_query_alone_and_never_waits()
    {
        using VectorIndex index = NewIndex(100, seed: 1105);
        var time = new SignallingTimeProvider();
        await using var batcher = new QueryBatcher(index, maxBatchSize: 1, maxDelay: TimeSpan.FromMilliseconds(10), timeProvider: time);
        var random = new Random(1106);
        float[][] queries = [.. Enumerable.Range(0, 20).Select(_ => BruteForce.RandomFloats(random, Dimension))];
        SearchResult[][] answers = await Task.WhenAll(queries.Select(q => batcher.SearchAsync(q, 3).AsTask())).WaitAsync(Timeout);
        for (int i = 0; i < 20; i++)
        {
            BruteForce.AssertIdentical(index.Search(queries[i], 3), answers[i], $"query {i}");
        }

        Assert.Equal(20, batcher.BatchCount);
        Assert.Equal(20, batcher.QueryCount);
        Assert.Equal(0, time.TimersCreated); // a full batch never waits, and the fake clock never moved
    }

    [Fact]
    public async Task With_maxDelay_a_single_query_waits_for_the_clock()
    {
        using VectorIndex index = NewIndex(100, seed: 1107);
        var time = new SignallingTimeProvider();
        await using var batcher = new QueryBatcher(index, maxBatchSize: 16, maxDelay: TimeSpan.FromMilliseconds(10), timeProvider: time);
        float[] query = BruteForce.RandomFloats(new Random(1108), Dimension);

        Task<SearchResult[]> answer = batcher.SearchAsync(query, 4).AsTask();
        await time.WaitForTimerAsync();
        await Task.Delay(100);
        Assert.False(answer.IsCompleted, "completed before the fake clock moved");

        time.Advance(TimeSpan.FromMilliseconds(9));
        await Task.Delay(100);
        Assert.False(answer.IsCompleted, "completed 1 ms before the delay ended");

        time.Advance(TimeSpan.FromMilliseconds(1));
        SearchResult[] hits = await answer.WaitAsync(Timeout);
        BruteForce.AssertIdentical(index.Search(query, 4), hits, "delayed query");
        Assert.Equal(1, batcher.BatchCount);
    }

    [Fact]
    public async Task A_caller_cancelled_before_its_batch_runs_is_dropped_and_the_others_are_answered()
    {
        using VectorIndex index = NewIndex(400, seed: 1109);
        var time = new SignallingTimeProvider();
        await using var batcher = new QueryBatcher(index, maxBatchSize: 16, maxDelay: TimeSpan.FromMilliseconds(10), timeProvider: time);
        var random = new Random(1110);
        float[][] queries = [.. Enumerable.Range(0, 6).Select(_ => BruteForce.RandomFloats(random, Dimension))];

        Task<SearchResult[]> first = batcher.SearchAsync(queries[0], 7).AsTask();
        await time.WaitForTimerAsync();
        using var cancellation = new CancellationTokenSource();
        Task<SearchResult[]> cancelled = batcher.SearchAsync(queries[1], 20, cancellation.Token).AsTask();
        Task<SearchResult[]>[] others = [.. queries.Skip(2).Select((q, i) => batcher.SearchAsync(q, i + 1).AsTask())];
        cancellation.Cancel();
        Assert.True(cancelled.IsCanceled, "the cancelled caller completes at once");

        time.Advance(TimeSpan.FromMilliseconds(10));
        BruteForce.AssertIdentical(index.Search(queries[0], 7), await first.WaitAsync(Timeout), "first");
        for (int i = 0; i < others.Length; i++)
        {
            BruteForce.AssertIdentical(index.Search(queries[i + 2], i + 1), await others[i].WaitAsync(Timeout), $"other {i}");
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, batcher.BatchCount);
        Assert.Equal(5, batcher.QueryCount); // the cancelled query was not run
    }

    [Fact]
    public async Task Cancelling_after_the_answer_changes_nothing()
    {
        using VectorIndex index = NewIndex(100, seed: 1111);
        await using var batcher = new QueryBatcher(index);
        float[] query = BruteForce.RandomFloats(new Random(1112), Dimension);
        using var cancellation = new CancellationTokenSource();
        Task<SearchResult[]> answer = batcher.SearchAsync(query, 5, cancellation.Token).AsTask();
        SearchResult[] hits = await answer.WaitAsync(Timeout);
        cancellation.Cancel();
        Assert.True(answer.IsCompletedSuccessfully);
        BruteForce.AssertIdentical(index.Search(query, 5), hits, "answered");
        BruteForce.AssertIdentical(hits, await answer, "after cancel");

        // The batcher keeps working.
        BruteForce.AssertIdentical(index.Search(query, 2), await batcher.SearchAsync(query, 2).AsTask().WaitAsync(Timeout), "next");
    }

    [Fact]
    public async Task Cancellations_at_random_moments_disturb_no_other_caller()
    {
        using VectorIndex index = NewIndex(3000, seed: 1113);
        await using var batcher = new QueryBatcher(index, maxBatchSize: 16);
        var random = new Random(1114);
        const int callers = 150;
        float[][] queries = [.. Enumerable.Range(0, callers).Select(_ => BruteForce.RandomFloats(random, Dimension))];
        int[] ks = [.. Enumerable.Range(0, callers).Select(_ => random.Next(1, 21))];
        var sources = new CancellationTokenSource[callers];
        var tasks = new Task<SearchResult[]>[callers];
        for (int i = 0; i < callers; i++)
        {
            sources[i] = new CancellationTokenSource();
            tasks[i] = batcher.SearchAsync(queries[i], ks[i], sources[i].Token).AsTask();
            if (i % 3 == 0)
            {
                sources[i / 2].Cancel(); // cancels an earlier caller: queued, running or answered
            }
        }

        try
        {
            await Task.WhenAll(tasks).WaitAsync(Timeout);
        }
        catch (OperationCanceledException)
        {
            // Checked one by one below.
        }

        int answered = 0, cancelled = 0;
        for (int i = 0; i < callers; i++)
        {
            Task<SearchResult[]> task = tasks[i];
            Assert.True(task.IsCompleted, $"caller {i} never completed");
            if (task.IsCanceled)
            {
                Assert.True(sources[i].IsCancellationRequested, $"caller {i} was cancelled without its token");
                cancelled++;
            }
            else
            {
                BruteForce.AssertIdentical(index.Search(queries[i], ks[i]), await task, $"caller {i} (k={ks[i]})");
                answered++;
            }

            sources[i].Dispose();
        }

        Assert.Equal(callers, answered + cancelled);
        Assert.True(answered >= callers - ((callers + 2) / 3), $"{answered} answered");
    }

    [Fact]
    public async Task An_already_cancelled_token_gives_a_cancelled_ValueTask_and_queues_nothing()
    {
        using VectorIndex index = NewIndex(50, seed: 1115);
        await using var batcher = new QueryBatcher(index);
        float[] query = BruteForce.RandomFloats(new Random(1116), Dimension);
        ValueTask<SearchResult[]> answer = batcher.SearchAsync(query, 3, new CancellationToken(canceled: true));
        Assert.True(answer.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await answer);

        BruteForce.AssertIdentical(index.Search(query, 3), await batcher.SearchAsync(query, 3).AsTask().WaitAsync(Timeout), "next");
        Assert.Equal(1, batcher.QueryCount);
    }

    [Fact]
    public async Task Bad_arguments_throw_synchronously_from_SearchAsync()
    {
        using VectorIndex index = NewIndex(50, seed: 1117);
        await using var batcher = new QueryBatcher(index);
        float[] good = new float[Dimension];
        float[] nan = new float[Dimension];
        nan[5] = float.NaN;
        float[] infinite = new float[Dimension];
        infinite[Dimension - 1] = float.NegativeInfinity;

        Assert.Throws<ArgumentException>(() => { _ = batcher.SearchAsync(new float[Dimension - 1], 3); });
        Assert.Throws<ArgumentException>(() => { _ = batcher.SearchAsync(new float[Dimension + 1], 3); });
        Assert.Throws<ArgumentException>(() => { _ = batcher.SearchAsync(ReadOnlyMemory<float>.Empty, 3); });
        var e = Assert.Throws<ArgumentException>(() => { _ = batcher.SearchAsync(nan, 3); });
        Assert.Contains("element 5", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => { _ = batcher.SearchAsync(infinite, 3); });
        Assert.Contains($"element {Dimension - 1}", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = batcher.SearchAsync(good, 0); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = batcher.SearchAsync(good, -4); });

        // Even with a cancelled token, the arguments are checked first.
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = batcher.SearchAsync(good, 0, new CancellationToken(true)); });
        Assert.Equal(0, batcher.QueryCount);
    }

    [Fact]
    public async Task The_query_is_copied_before_SearchAsync_returns()
    {
        using VectorIndex index = NewIndex(200, seed: 1118);
        var time = new SignallingTimeProvider();
        await using var batcher = new QueryBatcher(index, maxDelay: TimeSpan.FromMilliseconds(10), timeProvider: time);
        float[] query = BruteForce.RandomFloats(new Random(1119), Dimension);
        float[] original = (float[])query.Clone();
        Task<SearchResult[]> answer = batcher.SearchAsync(query, 6).AsTask();
        await time.WaitForTimerAsync();
        Array.Fill(query, 1000f); // before the batch runs
        time.Advance(TimeSpan.FromMilliseconds(10));
        BruteForce.AssertIdentical(index.Search(original, 6), await answer.WaitAsync(Timeout), "copied query");
    }

    [Fact]
    public async Task DisposeAsync_answers_every_queued_query_then_refuses_new_ones()
    {
        using VectorIndex index = NewIndex(2500, seed: 1120);
        var batcher = new QueryBatcher(index, maxBatchSize: 16);
        var random = new Random(1121);
        float[][] queries = [.. Enumerable.Range(0, 60).Select(_ => BruteForce.RandomFloats(random, Dimension))];
        Task<SearchResult[]>[] pending = [.. queries.Select(q => batcher.SearchAsync(q, 8).AsTask())];

        await batcher.DisposeAsync().AsTask().WaitAsync(Timeout);
        for (int i = 0; i < pending.Length; i++)
        {
            Assert.True(pending[i].IsCompletedSuccessfully, $"query {i} was not answered before DisposeAsync returned");
            BruteForce.AssertIdentical(index.Search(queries[i], 8), await pending[i], $"query {i}");
        }

        Assert.Equal(60, batcher.QueryCount);
        Assert.Throws<ObjectDisposedException>(() => { _ = batcher.SearchAsync(queries[0], 8); });
        await batcher.DisposeAsync(); // twice is fine
        Assert.Throws<ObjectDisposedException>(() => { _ = batcher.SearchAsync(queries[0], 8); });
    }

    [Fact]
    public async Task DisposeAsync_waits_for_a_delayed_batch_and_answers_it()
    {
        using VectorIndex index = NewIndex(200, seed: 1122);
        var time = new SignallingTimeProvider();
        var batcher = new QueryBatcher(index, maxBatchSize: 16, maxDelay: TimeSpan.FromMilliseconds(10), timeProvider: time);
        var random = new Random(1123);
        float[][] queries = [.. Enumerable.Range(0, 6).Select(_ => BruteForce.RandomFloats(random, Dimension))];
        Task<SearchResult[]> first = batcher.SearchAsync(queries[0], 4).AsTask();
        await time.WaitForTimerAsync();
        Task<SearchResult[]>[] rest = [.. queries.Skip(1).Select(q => batcher.SearchAsync(q, 4).AsTask())];

        Task disposal = batcher.DisposeAsync().AsTask();
        Assert.Throws<ObjectDisposedException>(() => { _ = batcher.SearchAsync(queries[0], 4); });
        await Task.Delay(100);
        Assert.False(disposal.IsCompleted, "DisposeAsync returned while a queued batch waited");

        time.Advance(TimeSpan.FromMilliseconds(10));
        await disposal.WaitAsync(Timeout);
        SearchResult[][] answers = await Task.WhenAll([first, .. rest]).WaitAsync(Timeout);
        for (int i = 0; i < 6; i++)
        {
            BruteForce.AssertIdentical(index.Search(queries[i], 4), answers[i], $"query {i}");
        }

        Assert.Equal(1, batcher.BatchCount);
    }

    [Fact]
    public async Task Queries_over_a_disposed_index_fail_with_ObjectDisposedException()
    {
        VectorIndex index = NewIndex(50, seed: 1124);
        await using var batcher = new QueryBatcher(index);
        index.Dispose();
        Task<SearchResult[]> answer = batcher.SearchAsync(new float[Dimension], 3).AsTask();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => answer.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Constructor_validates_its_arguments()
    {
        using VectorIndex index = NewIndex(10, seed: 1125);
        Assert.Throws<ArgumentNullException>(() => new QueryBatcher(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueryBatcher(index, maxBatchSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueryBatcher(index, maxBatchSize: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueryBatcher(index, maxBatchSize: 257));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueryBatcher(index, maxDelay: TimeSpan.FromTicks(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueryBatcher(index, maxDelay: TimeSpan.FromSeconds(1) + TimeSpan.FromTicks(1)));

        foreach (QueryBatcher batcher in new[]
        {
            new QueryBatcher(index, maxBatchSize: 1),
            new QueryBatcher(index, maxBatchSize: 256),
            new QueryBatcher(index, maxDelay: TimeSpan.Zero),
            new QueryBatcher(index, maxDelay: TimeSpan.FromSeconds(1), timeProvider: new FakeTimeProvider()),
        })
        {
            await batcher.DisposeAsync().AsTask().WaitAsync(Timeout);
            Assert.Equal(0, batcher.BatchCount);
        }
    }

    private static VectorIndex NewIndex(int count, int seed)
    {
        var random = new Random(seed);
        var index = new VectorIndex(Dimension, SimilarityMetric.Cosine);
        index.AddRange(BruteForce.RandomIds(random, count), BruteForce.RandomFloats(random, count * Dimension));
        return index;
    }

    /// <summary>A fake clock that tells when a timer is created (the batcher's loop starting its delay).</summary>
    private sealed class SignallingTimeProvider : FakeTimeProvider
    {
        private readonly SemaphoreSlim _created = new(0);
        private int _count;

        public int TimersCreated => Volatile.Read(ref _count);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            ITimer timer = base.CreateTimer(callback, state, dueTime, period);
            Interlocked.Increment(ref _count);
            _created.Release();
            return timer;
        }

        public async Task WaitForTimerAsync()
        {
            Assert.True(await _created.WaitAsync(Timeout), "the batcher never started its delay");
        }
    }
}
