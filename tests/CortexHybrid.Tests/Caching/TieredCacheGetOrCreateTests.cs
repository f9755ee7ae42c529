using System.Text.Json;
using CortexHybrid.Caching;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Caching;

public sealed class TieredCacheGetOrCreateTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public sealed record Person(string Name, int Age, IReadOnlyList<string> Emails);

    [Fact]
    public async Task A_hundred_concurrent_callers_share_one_factory_run_and_get_the_same_value()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: new FakeTimeProvider());
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        byte[] value = CacheTestData.JsonLike(500);
        int runs = 0;

        async ValueTask<byte[]> Factory(CancellationToken token)
        {
            Interlocked.Increment(ref runs);
            started.TrySetResult();
            await gate.Task;
            return value;
        }

        var callers = new List<Task<byte[]>>();
        for (int i = 0; i < 100; i++)
        {
            callers.Add(cache.GetOrCreateAsync("k", Factory).AsTask());
        }

        await started.Task.WaitAsync(Patience);
        Assert.All(callers, c => Assert.False(c.IsCompleted));
        gate.SetResult();
        byte[][] results = await Task.WhenAll(callers).WaitAsync(Patience);

        Assert.Equal(1, runs);
        Assert.All(results, r => Assert.Equal(value, r));
        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(100, stats.Misses);
        Assert.Equal(100, stats.Requests);
        Assert.Equal(1, stats.L1Count);

        Assert.Equal(value, await cache.GetOrCreateAsync("k", Factory));
        Assert.Equal(1, runs);
        Assert.Equal(1, cache.GetStatistics().L1Hits);
    }

    [Fact]
    public async Task Callers_on_many_threads_share_one_factory_run()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: new FakeTimeProvider());
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int runs = 0;
        int arrived = 0;

        async ValueTask<byte[]> Factory(CancellationToken token)
        {
            Interlocked.Increment(ref runs);
            await gate.Task;
            return CacheTestData.Named("k");
        }

        Task<byte[]>[] callers = Enumerable.Range(0, 100)
            .Select(_ => Task.Run(async () =>
            {
                Interlocked.Increment(ref arrived);
                return await cache.GetOrCreateAsync("k", Factory);
            }))
            .ToArray();

        while (Volatile.Read(ref arrived) < callers.Length)
        {
            await Task.Yield();
        }

        gate.SetResult();
        byte[][] results = await Task.WhenAll(callers).WaitAsync(Patience);

        Assert.Equal(1, runs);
        Assert.All(results, r => Assert.Equal(CacheTestData.Named("k"), r));
        Assert.Equal(100, cache.GetStatistics().Requests);
    }

    [Fact]
    public async Task A_throwing_factory_fails_every_waiter_with_its_exception_and_caches_nothing()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: new FakeTimeProvider());
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failure = new InvalidOperationException("factory failed");
        int runs = 0;

        async ValueTask<byte[]> Failing(CancellationToken token)
        {
            Interlocked.Increment(ref runs);
            await gate.Task;
            throw failure;
        }

        Task<byte[]>[] callers = Enumerable.Range(0, 10).Select(_ => cache.GetOrCreateAsync("k", Failing).AsTask()).ToArray();
        gate.SetResult();

        foreach (Task<byte[]> caller in callers)
        {
            InvalidOperationException thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => caller.WaitAsync(Patience));
            Assert.Same(failure, thrown);
        }

        Assert.Equal(1, runs);
        Assert.Null(await cache.GetAsync("k"));
        Assert.Equal(0, cache.GetStatistics().L1Count);

        // The next call runs the factory again.
        byte[] value = await cache.GetOrCreateAsync("k", _ =>
        {
            Interlocked.Increment(ref runs);
            return ValueTask.FromResult(CacheTestData.Named("k"));
        }).AsTask().WaitAsync(Patience);
        Assert.Equal(2, runs);
        Assert.Equal(CacheTestData.Named("k"), value);
        Assert.Equal(CacheTestData.Named("k"), await cache.GetAsync("k"));
    }

    [Fact]
    public async Task A_factory_that_throws_its_own_OperationCanceledException_fails_the_waiters_with_that_exception()
    {
        // No caller cancelled: the factory's own operation (say, a backend call) timed out.
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: new FakeTimeProvider());
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failure = new OperationCanceledException("the backend call timed out");

        async ValueTask<byte[]> Failing(CancellationToken token)
        {
            await gate.Task;
            throw failure;
        }

        Task<byte[]>[] callers = Enumerable.Range(0, 3).Select(_ => cache.GetOrCreateAsync("k", Failing).AsTask()).ToArray();
        gate.SetResult();

        foreach (Task<byte[]> caller in callers)
        {
            OperationCanceledException thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => caller.WaitAsync(Patience));
            Assert.Same(failure, thrown);
        }

        Assert.Null(await cache.GetAsync("k"));
    }

    [Fact]
    public async Task Cancelling_one_waiter_cancels_only_that_waiter()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: new FakeTimeProvider());
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var factoryToken = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        int runs = 0;

        async ValueTask<byte[]> Factory(CancellationToken token)
        {
            Interlocked.Increment(ref runs);
            factoryToken.TrySetResult(token);
            await gate.Task;
            return CacheTestData.Named("k");
        }

        using var cancelled = new CancellationTokenSource();
        Task<byte[]> first = cache.GetOrCreateAsync("k", Factory).AsTask();
        Task<byte[]> leaving = cache.GetOrCreateAsync("k", Factory, cancellationToken: cancelled.Token).AsTask();
        Task<byte[]> last = cache.GetOrCreateAsync("k", Factory).AsTask();
        CancellationToken token = await factoryToken.Task.WaitAsync(Patience);

        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving.WaitAsync(Patience));

        Assert.False(token.IsCancellationRequested);
        Assert.False(first.IsCompleted);
        Assert.False(last.IsCompleted);

        gate.SetResult();
        Assert.Equal(CacheTestData.Named("k"), await first.WaitAsync(Patience));
        Assert.Equal(CacheTestData.Named("k"), await last.WaitAsync(Patience));
        Assert.Equal(1, runs);
        Assert.Equal(CacheTestData.Named("k"), await cache.GetAsync("k"));
    }

    [Fact]
    public async Task The_factory_token_is_cancelled_only_when_every_waiter_has_cancelled()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: new FakeTimeProvider());
        var factoryToken = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        int runs = 0;

        async ValueTask<byte[]> Factory(CancellationToken token)
        {
            Interlocked.Increment(ref runs);
            factoryToken.TrySetResult(token);
            await new TaskCompletionSource().Task.WaitAsync(token); // ends only by cancellation
            return CacheTestData.Named("never");
        }

        using var one = new CancellationTokenSource();
        using var two = new CancellationTokenSource();
        using var three = new CancellationTokenSource();
        Task<byte[]> first = cache.GetOrCreateAsync("k", Factory, cancellationToken: one.Token).AsTask();
        Task<byte[]> second = cache.GetOrCreateAsync("k", Factory, cancellationToken: two.Token).AsTask();
        Task<byte[]> third = cache.GetOrCreateAsync("k", Factory, cancellationToken: three.Token).AsTask();
        CancellationToken token = await factoryToken.Task.WaitAsync(Patience);

        await one.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.WaitAsync(Patience));
        Assert.False(token.IsCancellationRequested);

        await two.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.WaitAsync(Patience));
        Assert.False(token.IsCancellationRequested);

        await three.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => third.WaitAsync(Patience));
        Assert.True(token.IsCancellationRequested);
        Assert.Equal(1, runs);

        // Nothing was stored; a new caller starts a new run.
        byte[] value = await cache.GetOrCreateAsync("k", _ =>
        {
            Interlocked.Increment(ref runs);
            return ValueTask.FromResult(CacheTestData.Named("k"));
        }).AsTask().WaitAsync(Patience);
        Assert.Equal(CacheTestData.Named("k"), value);
        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task A_factory_value_over_MaxEntrySizeBytes_is_returned_but_not_cached_and_counted_as_a_rejection()
    {
        TieredCacheOptions options = CacheTestData.Small(l1: 10);
        options.MaxEntrySizeBytes = 100;
        using var cache = new TieredCache(options, timeProvider: new FakeTimeProvider());
        byte[] big = CacheTestData.RandomBytes(101, seed: 1);
        int runs = 0;

        ValueTask<byte[]> Factory(CancellationToken token)
        {
            runs++;
            return ValueTask.FromResult(big);
        }

        Assert.Equal(big, await cache.GetOrCreateAsync("k", Factory));
        Assert.Equal(big, await cache.GetOrCreateAsync("k", Factory));

        Assert.Equal(2, runs);
        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal(2, stats.Rejections);
        Assert.Equal(0, stats.L1Count);
        Assert.Equal(2, stats.Misses);
        Assert.Null(await cache.GetAsync("k"));

        // Exactly the limit is cached.
        byte[] fits = CacheTestData.RandomBytes(100, seed: 2);
        Assert.Equal(fits, await cache.GetOrCreateAsync("fits", _ => ValueTask.FromResult(fits)));
        Assert.Equal(fits, await cache.GetAsync("fits"));
        Assert.Equal(2, cache.GetStatistics().Rejections);
    }

    [Fact]
    public async Task A_value_held_at_any_level_is_returned_without_running_the_factory()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10, promotionThreshold: 5), timeProvider: new FakeTimeProvider());
        await cache.SetAllAsync(CacheTestData.Named, "a", "b", "c"); // L3 a, L2 b, L1 c
        int runs = 0;

        ValueTask<byte[]> Factory(CancellationToken token)
        {
            runs++;
            return ValueTask.FromResult(CacheTestData.Text("made"));
        }

        Assert.Equal(CacheTestData.Named("c"), await cache.GetOrCreateAsync("c", Factory));
        Assert.Equal(CacheTestData.Named("b"), await cache.GetOrCreateAsync("b", Factory));
        Assert.Equal(CacheTestData.Named("a"), await cache.GetOrCreateAsync("a", Factory));
        Assert.Equal(CacheTestData.Text("made"), await cache.GetOrCreateAsync("d", Factory));

        Assert.Equal(1, runs);
        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal((1, 1, 1, 1), (stats.L1Hits, stats.L2Hits, stats.L3Hits, stats.Misses));
    }

    [Fact]
    public async Task The_entry_options_apply_to_the_created_value()
    {
        var time = new FakeTimeProvider();
        using var cache = new TieredCache(CacheTestData.Small(l1: 10), timeProvider: time);
        var options = new CacheEntryOptions { Ttl = TimeSpan.FromMinutes(1), Tags = ["made"] };

        await cache.GetOrCreateAsync("a", _ => ValueTask.FromResult(CacheTestData.Named("a")), options);
        await cache.GetOrCreateAsync("b", _ => ValueTask.FromResult(CacheTestData.Named("b")), options);
        Assert.Equal(2, await cache.RemoveByTagAsync("made"));

        await cache.GetOrCreateAsync("c", _ => ValueTask.FromResult(CacheTestData.Named("c")), options);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await cache.GetAsync("c"));
    }

    [Fact]
    public async Task A_factory_that_returns_null_fails_with_InvalidOperationException()
    {
        using var cache = new TieredCache(CacheTestData.Small(), timeProvider: new FakeTimeProvider());

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult<byte[]>(null!)));
        Assert.Null(await cache.GetAsync("k"));
    }

    [Fact]
    public async Task A_null_factory_throws_ArgumentNullException()
    {
        using var cache = new TieredCache(CacheTestData.Small(), timeProvider: new FakeTimeProvider());

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await cache.GetOrCreateAsync("k", (Func<CancellationToken, ValueTask<byte[]>>)null!));
    }

    [Fact]
    public async Task The_generic_overload_round_trips_a_record_through_JSON_at_every_level()
    {
        using var cache = new TieredCache(CacheTestData.Small(l1: 1, l2: 1, l3: 10, promotionThreshold: 5), timeProvider: new FakeTimeProvider());
        var person = new Person("Ada Lovelace", 36, ["ada@example.org", "countess@example.org"]);
        int runs = 0;

        ValueTask<Person> Factory(CancellationToken token)
        {
            runs++;
            return ValueTask.FromResult(person);
        }

        Person created = await cache.GetOrCreateAsync("person", Factory);
        Person fromL1 = await cache.GetOrCreateAsync("person", Factory);
        await cache.SetAllAsync(CacheTestData.Named, "x");
        Person fromL2 = await cache.GetOrCreateAsync("person", Factory);
        await cache.SetAllAsync(CacheTestData.Named, "y", "z");
        Person fromL3 = await cache.GetOrCreateAsync("person", Factory);

        Assert.Equal(1, runs);
        foreach (Person read in new[] { created, fromL1, fromL2, fromL3 })
        {
            Assert.Equal(person.Name, read.Name);
            Assert.Equal(person.Age, read.Age);
            Assert.Equal(person.Emails, read.Emails);
        }

        Assert.NotSame(fromL1, fromL2);
        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal((1, 1, 1, 1), (stats.L1Hits, stats.L2Hits, stats.L3Hits, stats.Misses));

        // What the cache holds is UTF-8 JSON of the record.
        await cache.SetAllAsync(CacheTestData.Named, "w");
        byte[]? json = await cache.GetAsync("person");
        Assert.NotNull(json);
        Person? parsed = JsonSerializer.Deserialize<Person>(json);
        Assert.NotNull(parsed);
        Assert.Equal(person.Name, parsed.Name);
    }
}
