using System.Collections.Concurrent;
using CortexHybrid.Memory;
using CortexHybrid.Memory.Stores;
using CortexHybrid.Tests.Support;
using static CortexHybrid.Tests.Memory.Stores.StoreTestData;

namespace CortexHybrid.Tests.Memory.Stores;

public sealed class SqliteMemoryStoreConcurrencyTests
{
    /// <summary>
    /// Readers of every kind run while a writer adds batches and a deleter removes preloaded
    /// memories, with fewer read connections than readers. Nothing throws; every memory a reader
    /// knows was acknowledged is found with its text and tags; what was deleted is gone; the counts
    /// add up at the end.
    /// </summary>
    [Fact]
    public async Task Many_readers_a_writer_and_a_deleter_at_once_stay_consistent()
    {
        using var directory = new TemporaryDirectory();
        await using SqliteMemoryStore store = await OpenAsync(directory.Path, options: new SqliteMemoryStoreOptions { ReadConnections = 3 });
        const int Preloaded = 300, Batches = 60, BatchSize = 20, Readers = 8;
        long[] preloaded = [.. (await store.AddAsync([.. Enumerable.Range(0, Preloaded).Select(i => Draft($"preloaded {i}", tags: ["preloaded"]))])).Select(r => r.Id)];

        var written = new ConcurrentDictionary<long, string>();
        var deleted = new ConcurrentDictionary<long, bool>();
        using var done = new CancellationTokenSource();
        int reads = 0, failedReaders = 0;

        Task writer = Task.Run(async () =>
        {
            for (int b = 0; b < Batches; b++)
            {
                // Each batch waits for reads to have run since the last one, so readers and the
                // writer overlap however the two cores schedule them (a count of reads over a
                // time would fail on a loaded machine).
                while (Volatile.Read(ref reads) < b * 2 && Volatile.Read(ref failedReaders) == 0)
                {
                    await Task.Delay(1);
                }

                var drafts = Enumerable.Range(0, BatchSize).Select(i => Draft($"batch {b} item {i}", Vector((b * BatchSize) + i), ["written", $"batch-{b % 4}"], storedAt: Epoch.AddMilliseconds(b))).ToList();
                IReadOnlyList<StoreResult> results = await store.AddAsync(drafts);
                for (int i = 0; i < results.Count; i++)
                {
                    Assert.True(results[i].Added);
                    written[results[i].Id] = drafts[i].Text;
                }
            }
        });
        Task deleter = Task.Run(async () =>
        {
            foreach (long id in preloaded.Where(id => id % 2 == 0))
            {
                Assert.True(await store.DeleteAsync(id));
                deleted[id] = true;
            }
        });
        Task[] readers = [.. Enumerable.Range(0, Readers).Select(r => Task.Run(async () =>
        {
            try
            {
                var random = new Random(r);
                long lastWritten = 0;
                while (!done.IsCancellationRequested)
                {
                    Interlocked.Increment(ref reads);
                    long[] known = [.. written.Keys];
                    switch (random.Next(7))
                    {
                        case 0 when known.Length > 0:
                            long[] some = [.. Enumerable.Range(0, 30).Select(_ => known[random.Next(known.Length)])];
                            IReadOnlyList<MemoryRecord> records = await store.GetAsync(some);
                            Assert.Equal(some.Distinct().Count(), records.Count);
                            Assert.All(records, m => Assert.Equal(written[m.Id], m.Text));
                            Assert.All(records, m => Assert.Equal("written", m.Tags[0]));
                            break;
                        case 1 when known.Length > 0:
                            long id = known[random.Next(known.Length)];
                            Assert.Equal(id, await store.FindByTextAsync(written[id]));
                            break;
                        case 2:
                            // Written memories are only added: their count never goes down.
                            long count = await store.CountAsync("written");
                            Assert.True(count >= lastWritten, $"count went from {lastWritten} to {count}");
                            lastWritten = count;
                            break;
                        case 3:
                            IReadOnlyList<MemoryRecord> recent = await store.ListRecentAsync(15, "written");
                            Assert.True(recent.Count <= 15);
                            Assert.True(recent.Zip(recent.Skip(1)).All(p => p.First.StoredAt > p.Second.StoredAt || (p.First.StoredAt == p.Second.StoredAt && p.First.Id > p.Second.Id)));
                            break;
                        case 4:
                            IReadOnlySet<long> both = await store.IdsWithAllTagsAsync(["written", "batch-1"]);
                            Assert.All(both, i => Assert.Contains("batch ", written.GetValueOrDefault(i, "batch (not yet acknowledged)"), StringComparison.Ordinal));
                            break;
                        case 5:
                            long previous = long.MinValue;
                            await foreach (StoredVector vector in store.ReadVectorsAsync())
                            {
                                Assert.True(vector.Id > previous);
                                Assert.Equal(Model.Dimensions, vector.Vector.Length);
                                previous = vector.Id;
                            }

                            break;
                        default:
                            long[] gone = [.. deleted.Keys];
                            if (gone.Length > 0)
                            {
                                Assert.Empty(await store.GetAsync(gone));
                            }

                            break;
                    }
                }
            }
            catch
            {
                // Lets the writer stop waiting for reads that will not come; the failure surfaces below.
                Interlocked.Increment(ref failedReaders);
                throw;
            }
        }))];

        await Task.WhenAll(writer, deleter);
        int readsWhileWriting = Volatile.Read(ref reads);
        await done.CancelAsync();
        await Task.WhenAll(readers);

        Assert.True(readsWhileWriting >= (Batches - 1) * 2, $"only {readsWhileWriting} reads ran while the writer wrote");
        Assert.Equal(Batches * BatchSize, written.Count);
        Assert.Equal(Preloaded - deleted.Count + written.Count, await store.CountAsync());
        Assert.Equal(Preloaded - deleted.Count, await store.CountAsync("preloaded"));
        Assert.Equal(written.Count, await store.CountAsync("written"));
        Assert.Equal(written.Keys.Order(), (await store.GetAsync([.. written.Keys])).Select(m => m.Id).Order());
    }

    [Fact]
    public async Task Dispose_waits_for_the_write_in_progress_and_later_calls_are_refused()
    {
        using var directory = new TemporaryDirectory();
        SqliteMemoryStore store = await OpenAsync(directory.Path);
        var drafts = Enumerable.Range(0, 2000).Select(i => Draft($"memory {i}")).ToList();
        Task<IReadOnlyList<StoreResult>> adding = Task.Run(() => store.AddAsync(drafts));
        Task<long>[] counting = [.. Enumerable.Range(0, 4).Select(_ => Task.Run(() => store.CountAsync()))];

        await Task.Delay(5);
        await store.DisposeAsync();

        // The add either completed in full before the disposal or was refused as a whole.
        long stored;
        try
        {
            stored = (await adding).Count;
        }
        catch (ObjectDisposedException)
        {
            stored = 0;
        }

        foreach (Task<long> count in counting)
        {
            try
            {
                await count;
            }
            catch (ObjectDisposedException)
            {
                // Started after the disposal.
            }
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.AddAsync([Draft("late")]));
        await using SqliteMemoryStore reopened = await OpenAsync(directory.Path);
        Assert.Equal(stored, await reopened.CountAsync());
    }
}
