using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;
using CortexHybrid.Memory;
using CortexHybrid.Memory.Stores;
using CortexHybrid.Tests.Memory.Embeddings;
using CortexHybrid.Tests.Memory.Stores;
using Xunit.Abstractions;

namespace CortexHybrid.Tests.Memory;

/// <summary>
/// Two SemanticMemory instances on one PostgreSQL store, each with its own index replica and recall
/// cache: what one remembers the other recalls, what one forgets the other stops returning (cached
/// responses included); the propagation time, measured; a server restart, after which the replica
/// reconnects and catches up on what was written while it was away.
/// </summary>
[Collection(SemanticMemoryReplicaCollection.Name)]
public sealed class SemanticMemoryReplicaTests(PostgresStoreFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task What_one_instance_remembers_the_other_recalls_and_what_it_forgets_the_other_stops_returning()
    {
        string schema = PostgresStoreFixture.NewSchema();
        await using Instance a = await Instance.OpenAsync(fixture, schema);
        long kept = (await a.Memory.RememberAsync("the staging database is called heron", ["ops"])).Id;
        await using Instance b = await Instance.OpenAsync(fixture, schema);
        Assert.Equal(1, await b.Memory.CountAsync()); // loaded at start
        Assert.Equal(await a.Store.ReadLastSequenceAsync(), b.Memory.AppliedChangeSequence);

        // B caches a response without the memory A is about to remember.
        Assert.DoesNotContain(await b.Memory.RecallAsync("where do the backups go", k: 5), h => h.Text.Contains("backups", StringComparison.Ordinal));
        RememberResult backups = await a.Memory.RememberAsync("the backups go to the cold bucket", ["ops", "storage"], new Dictionary<string, string> { ["by"] = "a" });
        RecallHit hit = await PollAsync(() => b.Memory.RecallAsync("where do the backups go", k: 5), hits => hits.FirstOrDefault(h => h.Id == backups.Id));
        Assert.Equal("the backups go to the cold bucket", hit.Text);
        Assert.Equal(["ops", "storage"], hit.Tags);
        Assert.Equal("a", hit.Metadata["by"]);
        Assert.Equal(2, await b.Memory.CountAsync());
        Assert.Contains(await b.Memory.RecallAsync("backups", tags: ["storage"]), h => h.Id == backups.Id);

        // The same text remembered on B is A's memory; B's own remember reaches A.
        Assert.Equal(new RememberResult(backups.Id, Added: false), await b.Memory.RememberAsync("the backups go to the cold bucket"));
        long fromB = (await b.Memory.RememberAsync("lunch is at noon on fridays")).Id;
        await PollAsync(() => a.Memory.RecallAsync("when is lunch"), hits => hits.FirstOrDefault(h => h.Id == fromB));

        // Forgotten on A: gone from B's results, though B had the response cached.
        Assert.True(await a.Memory.ForgetAsync(backups.Id));
        await PollAsync(() => b.Memory.RecallAsync("where do the backups go", k: 5), hits => hits.Any(h => h.Id == backups.Id) ? null : hits);

        // B's results can drop the memory before B's replica applies the forget (a recall reads
        // the texts from the shared store, where it is already gone): the count follows the replica.
        long forgotten = await a.Store.ReadLastSequenceAsync();
        await PollAsync(() => Task.FromResult(b.Memory.AppliedChangeSequence >= forgotten ? (object)true : null), x => x);
        Assert.Equal(2, await b.Memory.CountAsync());
        Assert.Equal(2, await a.Memory.CountAsync());
        Assert.False(await b.Memory.ForgetAsync(backups.Id));

        // Both replicas end at the store's last change, with the same memories.
        long last = await a.Store.ReadLastSequenceAsync();
        await PollAsync(() => Task.FromResult(b.Memory.AppliedChangeSequence == last && a.Memory.AppliedChangeSequence == last ? (object)true : null), x => x);
        Assert.Equal((await a.Memory.ListRecentAsync()).Select(m => m.Id).Order(), new[] { kept, fromB }.Order());
    }

    [Fact]
    public async Task Memories_forgotten_by_tag_on_one_instance_leave_the_others_results_their_cached_ones_included()
    {
        string schema = PostgresStoreFixture.NewSchema();
        await using Instance a = await Instance.OpenAsync(fixture, schema);
        long hose = (await a.Memory.RememberAsync("the garden hose hangs behind the shed", ["garden"])).Id;
        long shears = (await a.Memory.RememberAsync("the garden shears are in the shed", ["garden", "tools"])).Id;
        long drill = (await a.Memory.RememberAsync("the drill is in the shed", ["tools"])).Id;
        await using Instance b = await Instance.OpenAsync(fixture, schema);

        // A caches the filtered response; B forgets the tag.
        Assert.Equal([hose, shears], (await a.Memory.RecallAsync("shed garden", k: 5, tags: ["garden"])).Select(h => h.Id).Order());
        Assert.Equal([hose, shears], await b.Memory.ForgetTaggedAsync("garden"));

        await PollAsync(() => a.Memory.RecallAsync("shed garden", k: 5, tags: ["garden"]), hits => hits.Count == 0 ? hits : null);
        long last = await a.Store.ReadLastSequenceAsync();
        await PollAsync(() => Task.FromResult(a.Memory.AppliedChangeSequence >= last ? (object)true : null), x => x);
        Assert.Equal([drill], (await a.Memory.RecallAsync("in the shed", k: 5)).Select(h => h.Id));
        Assert.Equal((1L, 1L), (await a.Memory.CountAsync(), await b.Memory.CountAsync()));
        Assert.Empty(await a.Memory.ForgetTaggedAsync("garden"));
    }

    [Fact]
    public async Task A_memory_forgotten_on_an_instance_whose_replica_had_not_seen_it_keeps_the_count_right()
    {
        string schema = PostgresStoreFixture.NewSchema();
        await using Instance a = await Instance.OpenAsync(fixture, schema);
        await using Instance b = await Instance.OpenAsync(fixture, schema);
        long id = (await a.Memory.RememberAsync("a memory forgotten at once")).Id;

        // B forgets it, whether or not its replica has applied the add yet.
        Assert.True(await b.Memory.ForgetAsync(id));
        long last = await a.Store.ReadLastSequenceAsync();
        await PollAsync(() => Task.FromResult(b.Memory.AppliedChangeSequence >= last && a.Memory.AppliedChangeSequence >= last ? (object)true : null), x => x);
        Assert.Equal(0, await a.Memory.CountAsync());
        Assert.Equal(0, await b.Memory.CountAsync());
        Assert.Empty(await b.Memory.RecallAsync("a memory forgotten at once"));
    }

    [Fact]
    public async Task Propagation_from_one_instance_to_the_other_is_measured()
    {
        const int Operations = 200;
        string schema = PostgresStoreFixture.NewSchema();
        await using Instance a = await Instance.OpenAsync(fixture, schema);
        await using Instance b = await Instance.OpenAsync(fixture, schema);
        var remembered = new List<double>(Operations);
        var forgotten = new List<double>(Operations);
        for (int i = 0; i < Operations; i++)
        {
            string text = string.Create(CultureInfo.InvariantCulture, $"probe{i} lorem{i * 7919} ipsum{i * 104729}");
            long id = (await a.Memory.RememberAsync(text)).Id;
            var clock = Stopwatch.StartNew();
            await PollAsync(() => b.Memory.RecallAsync(text, k: 3), hits => hits.Any(h => h.Id == id) ? hits : null, quick: true);
            remembered.Add(clock.Elapsed.TotalMilliseconds);

            Assert.True(await a.Memory.ForgetAsync(id));
            clock.Restart();
            await PollAsync(() => b.Memory.RecallAsync(text, k: 3), hits => hits.Any(h => h.Id == id) ? null : hits, quick: true);
            forgotten.Add(clock.Elapsed.TotalMilliseconds);
        }

        output.WriteLine($"Propagation A -> B over {Operations} operations each (loopback PostgreSQL, LISTEN/NOTIFY, B polling recall every ~1 ms):");
        output.WriteLine($"  remember on A -> recallable on B: {Figures(remembered)}");
        output.WriteLine($"  forget on A -> gone from B:       {Figures(forgotten)}");
        Assert.True(Percentile(remembered, 0.99) < 2000, Figures(remembered));
        Assert.True(Percentile(forgotten, 0.99) < 2000, Figures(forgotten));
    }

    [Fact]
    public async Task After_a_server_restart_a_replica_reconnects_and_catches_up_on_what_was_written_while_it_was_away()
    {
        string schema = PostgresStoreFixture.NewSchema();
        await using Instance a = await Instance.OpenAsync(fixture, schema);
        // B's feed waits 4 to 6 s of its own clock before it reconnects, and that clock moves only when
        // the test moves it: A's writes below land while B is away, however slow this machine is.
        using var logs = new RecordingLoggerFactory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using Instance b = await Instance.OpenAsync(fixture, schema, reconnectDelay: TimeSpan.FromSeconds(5), logs: logs, time: clock);
        long doomed = (await a.Memory.RememberAsync("a memory forgotten during the outage")).Id;
        await PollAsync(() => b.Memory.RecallAsync("forgotten during the outage"), hits => hits.FirstOrDefault(h => h.Id == doomed));

        await fixture.Server.RestartAsync();
        var written = new List<long>();
        for (int i = 0; i < 5; i++)
        {
            written.Add((await RetryAsync(() => a.Memory.RememberAsync($"written while b was away {i}"))).Id);
        }

        Assert.True(await RetryAsync(() => a.Memory.ForgetAsync(doomed)));
        await PollAsync(() => Task.FromResult(logs.Entries), entries => entries.FirstOrDefault(e => e.EventId.Id == 5101)); // B saw the loss
        Assert.DoesNotContain(logs.Entries, e => e.EventId.Id == 5102); // and has not reconnected yet

        // B's delay passes: it reconnects, then reads what it missed.
        await PollAsync(
            () =>
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                return Task.FromResult(logs.Entries);
            },
            entries => entries.FirstOrDefault(e => e.EventId.Id == 5102));

        foreach ((long id, int i) in written.Select((id, i) => (id, i)))
        {
            await PollAsync(() => b.Memory.RecallAsync($"written while b was away {i}"), hits => hits.FirstOrDefault(h => h.Id == id));
        }

        await PollAsync(() => b.Memory.RecallAsync("forgotten during the outage"), hits => hits.Any(h => h.Id == doomed) ? null : hits);
        Assert.Equal(5, await b.Memory.CountAsync());
        Assert.Contains(logs.Entries, e => e.EventId.Id == 5101);
        Assert.Contains(logs.Entries, e => e.EventId.Id == 5102);
        Assert.All(logs.Entries, e => Assert.DoesNotContain(fixture.Server.TestPassword, e.Message, StringComparison.Ordinal));
    }

    private static string Figures(List<double> milliseconds) => string.Create(
        CultureInfo.InvariantCulture,
        $"p50 {Percentile(milliseconds, 0.50):F1} ms, p99 {Percentile(milliseconds, 0.99):F1} ms, max {milliseconds.Max():F1} ms");

    private static double Percentile(List<double> values, double fraction)
    {
        double[] sorted = [.. values.Order()];
        return sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>Calls <paramref name="read"/> until <paramref name="accept"/> gives a value, or fails at the deadline.</summary>
    private static async Task<T> PollAsync<TRead, T>(
        Func<Task<TRead>> read,
        Func<TRead, T?> accept,
        bool quick = false,
        [CallerLineNumber] int line = 0,
        [CallerArgumentExpression(nameof(accept))] string what = "")
        where T : class
    {
        DateTime deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            if (accept(await read()) is T accepted)
            {
                return accepted;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Not seen within {Deadline} (line {line}): {what}");
            await Task.Delay(quick ? 1 : 10);
        }
    }

    /// <summary>A call tried again while the server restarts (a pooled connection the restart cut fails once).</summary>
    private static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        DateTime deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Npgsql.NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    /// <summary>A store and a memory over it, as one server instance holds them.</summary>
    private sealed class Instance(PostgresMemoryStore store, SemanticMemory memory) : IAsyncDisposable
    {
        public PostgresMemoryStore Store { get; } = store;

        public SemanticMemory Memory { get; } = memory;

        public static async Task<Instance> OpenAsync(PostgresStoreFixture fixture, string schema, TimeSpan? reconnectDelay = null, RecordingLoggerFactory? logs = null, TimeProvider? time = null)
        {
            PostgresMemoryStoreOptions options = PostgresStoreFixture.Options(schema);
            if (reconnectDelay is TimeSpan delay)
            {
                options.ReconnectDelay = delay;
                options.MaxReconnectDelay = delay;
            }

            var store = new PostgresMemoryStore(fixture.ConnectionString, options, time, logs?.CreateLogger("store"));
            var memory = new SemanticMemory(store, new WordHashEmbeddingGenerator(), logger: logs?.CreateLogger("memory"));
            try
            {
                await memory.OpenAsync();
            }
            catch
            {
                await memory.DisposeAsync();
                await store.DisposeAsync();
                throw;
            }

            return new Instance(store, memory);
        }

        public async ValueTask DisposeAsync()
        {
            await Memory.DisposeAsync();
            await Store.DisposeAsync();
        }
    }
}
