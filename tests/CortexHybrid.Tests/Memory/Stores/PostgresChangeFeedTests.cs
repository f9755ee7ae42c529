using System.Threading.Channels;
using CortexHybrid.Memory.Stores;
using CortexHybrid.Tests.Memory.Embeddings;
using Microsoft.Extensions.Time.Testing;
using static CortexHybrid.Tests.Memory.Stores.StoreTestData;

namespace CortexHybrid.Tests.Memory.Stores;

/// <summary>
/// The PostgreSQL store's change feed against a real server: the committed changes in order, then
/// each new one soon after its commit; nothing missed or repeated across a terminated connection
/// or a server restart; disposal ends it.
/// </summary>
[Collection(PostgresChangeFeedCollection.Name)]
public sealed class PostgresChangeFeedTests(PostgresStoreFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_feed_yields_committed_changes_in_order_then_new_ones_as_they_commit()
    {
        string schema = PostgresStoreFixture.NewSchema();
        await using PostgresMemoryStore writer = await fixture.OpenAsync(schema);
        // No poll for ten minutes: what arrives below arrives by notification.
        PostgresMemoryStoreOptions options = PostgresStoreFixture.Options(schema);
        options.ChangePollInterval = TimeSpan.FromMinutes(10);
        await using PostgresMemoryStore reader = await PostgresStoreFixture.OpenStoreAsync(fixture.ConnectionString, options);
        Assert.Equal(0, await reader.ReadLastSequenceAsync());

        IReadOnlyList<StoreResult> first = await writer.AddAsync([Draft("a"), Draft("b"), Draft("a")]);
        Assert.True(await writer.DeleteAsync(first[1].Id));
        long afterFirst = await reader.ReadLastSequenceAsync();
        Assert.True(afterFirst > 0);

        using var stop = new CancellationTokenSource();
        var feed = new FeedReader(reader.ChangesAsync(0, stop.Token));
        List<MemoryChange> old = await feed.TakeAsync(3);
        Assert.Equal([MemoryChangeKind.Added, MemoryChangeKind.Added, MemoryChangeKind.Deleted], old.Select(c => c.Kind));
        Assert.Equal([first[0].Id, first[1].Id, first[1].Id], old.Select(c => c.Id));
        Assert.Equal(old.Select(c => c.Sequence).Order(), old.Select(c => c.Sequence));
        Assert.Equal(afterFirst, old[^1].Sequence);
        AssertSameBits(Vector(StableSeed("a")), old[0].Vector);
        Assert.Null(old[1].Vector); // added, then deleted before the feed read it
        Assert.Null(old[2].Vector);

        // New writes, from another instance, arrive by notification.
        long c = (await writer.AddAsync([Draft("c", tags: ["t"])]))[0].Id;
        MemoryChange added = (await feed.TakeAsync(1)).Single();
        Assert.Equal((MemoryChangeKind.Added, c), (added.Kind, added.Id));
        AssertSameBits(Vector(StableSeed("c")), added.Vector);
        Assert.True(added.Sequence > afterFirst);

        Assert.True(await writer.DeleteAsync(c));
        MemoryChange deleted = (await feed.TakeAsync(1)).Single();
        Assert.Equal((MemoryChangeKind.Deleted, c), (deleted.Kind, deleted.Id));

        // Neither a text already stored nor a failed delete is a change.
        await writer.AddAsync([Draft("a")]);
        Assert.False(await writer.DeleteAsync(c));
        Assert.Equal(deleted.Sequence, await reader.ReadLastSequenceAsync());

        // A feed from a later sequence starts there.
        var later = new FeedReader(reader.ChangesAsync(afterFirst, stop.Token));
        Assert.Equal([added.Sequence, deleted.Sequence], (await later.TakeAsync(2)).Select(ch => ch.Sequence));
        Assert.Equal(0, feed.Pending);
    }

    [Fact]
    public async Task A_batch_is_one_notification_and_its_changes_follow_the_batch_order()
    {
        string schema = PostgresStoreFixture.NewSchema();
        await using PostgresMemoryStore writer = await fixture.OpenAsync(schema);
        using var stop = new CancellationTokenSource();
        var feed = new FeedReader(writer.ChangesAsync(0, stop.Token));

        var drafts = Enumerable.Range(0, 2100).Select(i => Draft($"batch {i}")).ToList();
        IReadOnlyList<StoreResult> results = await writer.AddAsync(drafts);
        List<MemoryChange> changes = await feed.TakeAsync(drafts.Count);
        Assert.Equal(results.Select(r => r.Id), changes.Select(ch => ch.Id));
        Assert.All(changes, ch => Assert.Equal(MemoryChangeKind.Added, ch.Kind));
    }

    [Fact]
    public async Task After_its_connection_is_terminated_or_the_server_restarts_the_feed_catches_up_without_gaps_or_repeats()
    {
        string schema = PostgresStoreFixture.NewSchema();
        await using PostgresMemoryStore writer = await fixture.OpenAsync(schema);
        await using PostgresMemoryStore reader = await fixture.OpenAsync(schema);
        using var stop = new CancellationTokenSource();
        var feed = new FeedReader(reader.ChangesAsync(0, stop.Token));

        var expected = new List<long>();
        expected.AddRange((await writer.AddAsync([Draft("before")])).Select(r => r.Id));
        Assert.Equal(expected, (await feed.TakeAsync(1)).Select(ch => ch.Id));

        // An administrator terminates the listening backend; writes go on meanwhile.
        Assert.True(await fixture.Server.TerminateBackendsAsync() > 0);
        for (int i = 0; i < 5; i++)
        {
            expected.AddRange((await WriteRetryingAsync(writer, $"while terminated {i}")).Select(r => r.Id));
        }

        Assert.Equal(expected.Skip(1), (await feed.TakeAsync(5)).Select(ch => ch.Id));

        // pg_ctl restart: every connection is cut; writes committed right after the restart, before the
        // feed has reconnected, are read by its catch-up.
        await fixture.Server.RestartAsync();
        for (int i = 0; i < 5; i++)
        {
            expected.AddRange((await WriteRetryingAsync(writer, $"after restart {i}")).Select(r => r.Id));
        }

        Assert.Equal(expected.Skip(6), (await feed.TakeAsync(5)).Select(ch => ch.Id));
        long last = expected[^1];
        Assert.True(await WriteRetryingAsync(writer, "live again") is [{ Added: true } live] && live.Id > last);
        Assert.Equal(MemoryChangeKind.Added, (await feed.TakeAsync(1)).Single().Kind);
        Assert.Equal(0, feed.Pending);
    }

    [Fact]
    public async Task A_connection_lost_while_the_feed_waits_is_logged_and_the_feed_reconnects_only_after_its_delay()
    {
        // The server stays up: a feed that found its connection dead while waiting for a notification
        // could reconnect at once. It must log the loss, wait its delay (on a clock only the test
        // moves) and log the reconnection, as it does when a read fails.
        string schema = PostgresStoreFixture.NewSchema();
        await using PostgresMemoryStore writer = await fixture.OpenAsync(schema);
        using var logs = new RecordingLoggerFactory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        PostgresMemoryStoreOptions options = PostgresStoreFixture.Options(schema);
        options.ReconnectDelay = TimeSpan.FromSeconds(5);
        options.MaxReconnectDelay = TimeSpan.FromSeconds(5);
        await using var reader = new PostgresMemoryStore(fixture.ConnectionString, options, clock, logs.CreateLogger("store"));
        await reader.OpenAsync(Model);
        using var stop = new CancellationTokenSource();
        var feed = new FeedReader(reader.ChangesAsync(0, stop.Token));
        long before = (await writer.AddAsync([Draft("before")])).Single().Id;
        Assert.Equal(before, (await feed.TakeAsync(1)).Single().Id);

        Assert.True(await fixture.Server.TerminateBackendsAsync() > 0);
        DateTime deadline = DateTime.UtcNow + Deadline;
        while (!logs.EventIds.Contains(5101))
        {
            Assert.True(DateTime.UtcNow < deadline, "The loss was not logged (5101).");
            await Task.Delay(10);
        }

        long away = (await WriteRetryingAsync(writer, "while away")).Single().Id;
        Assert.DoesNotContain(5102, logs.EventIds);
        Assert.Equal(0, feed.Pending);

        // The delay passes on the feed's clock (moved a second at a time: its timer may start after a move).
        while (feed.Pending == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The feed did not reconnect after its delay.");
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }

        Assert.Equal(away, (await feed.TakeAsync(1)).Single().Id);
        Assert.Single(logs.Entries, e => e.EventId.Id == 5102);
    }

    [Fact]
    public async Task Disposing_the_store_ends_its_feeds_and_cancelling_stops_one()
    {
        await using PostgresMemoryStore store = await fixture.OpenAsync();
        using var stop = new CancellationTokenSource();
        var cancelled = new FeedReader(store.ChangesAsync(0, stop.Token));
        var ended = new FeedReader(store.ChangesAsync(0));
        await store.AddAsync([Draft("a")]);
        await cancelled.TakeAsync(1);
        await ended.TakeAsync(1);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.Completion.WaitAsync(Deadline));
        await store.DisposeAsync();
        await ended.Completion.WaitAsync(Deadline);
    }

    /// <summary>A write, tried again while the server is restarting (a pooled connection the restart cut fails once).</summary>
    private static async Task<IReadOnlyList<StoreResult>> WriteRetryingAsync(PostgresMemoryStore store, string text)
    {
        DateTime deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            try
            {
                return await store.AddAsync([Draft(text)]);
            }
            catch (Npgsql.NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    /// <summary>Reads a feed in the background into a channel, so a test can wait for changes with a deadline.</summary>
    private sealed class FeedReader
    {
        private readonly Channel<MemoryChange> _changes = Channel.CreateUnbounded<MemoryChange>();

        public FeedReader(IAsyncEnumerable<MemoryChange> feed) => Completion = Task.Run(async () =>
        {
            try
            {
                await foreach (MemoryChange change in feed)
                {
                    _changes.Writer.TryWrite(change);
                }
            }
            finally
            {
                _changes.Writer.TryComplete();
            }
        });

        public Task Completion { get; }

        public int Pending => _changes.Reader.Count;

        public async Task<List<MemoryChange>> TakeAsync(int count, TimeSpan? within = null)
        {
            using var deadline = new CancellationTokenSource(within ?? Deadline);
            var taken = new List<MemoryChange>(count);
            try
            {
                while (taken.Count < count)
                {
                    taken.Add(await _changes.Reader.ReadAsync(deadline.Token));
                }
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{taken.Count} of {count} changes arrived within {within ?? Deadline}: {string.Join(", ", taken.Select(c => $"{c.Kind} {c.Id} @{c.Sequence}"))}");
            }

            return taken;
        }
    }
}
