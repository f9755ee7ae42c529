using CortexHybrid.Memory.Stores;
using CortexHybrid.Tests.Hosting;
using static CortexHybrid.Tests.Memory.Stores.StoreTestData;

namespace CortexHybrid.Tests.Memory.Stores;

/// <summary>
/// The PostgreSQL store's pooled connections after the server lost them: a restart or terminated
/// backends leave dead connections in the pool, and the store's calls replace them instead of
/// failing once each.
/// </summary>
[Collection(PostgresChangeFeedCollection.Name)]
public sealed class PostgresBrokenConnectionTests(PostgresStoreFixture fixture)
{
    [Fact]
    public async Task After_a_server_restart_every_call_succeeds_at_the_first_try_and_the_replacement_is_logged_without_the_password()
    {
        using var logs = new CapturingLoggerProvider();
        string schema = PostgresStoreFixture.NewSchema();
        await using var store = new PostgresMemoryStore(fixture.ConnectionString, PostgresStoreFixture.Options(schema), logger: logs.CreateLogger("CortexHybrid.Test"));
        await store.OpenAsync(Model);

        // Several calls at once, so the pool holds several idle connections when the server restarts.
        long[] ids = [.. (await Task.WhenAll(Enumerable.Range(0, 4).Select(i => store.AddAsync([Draft($"before {i}", tags: ["t"])])))).Select(r => r.Single().Id)];
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => store.CountAsync()));

        await fixture.Server.RestartAsync();

        // No retry here: each call must succeed on its own.
        Assert.Equal(4, await store.CountAsync());
        Assert.Equal(4, await store.CountAsync("t"));
        Assert.Equal(ids.Order(), (await store.GetAsync(ids)).Select(r => r.Id).Order());
        Assert.Equal(ids[0], await store.FindByTextAsync("before 0"));
        Assert.Equal(4, (await store.ListRecentAsync(10, null)).Count);
        Assert.Equal(4, (await store.IdsWithAllTagsAsync(["t"])).Count);
        Assert.True(await store.ReadLastSequenceAsync() >= 4);
        Assert.True((await store.AddAsync([Draft("after")])).Single().Added);
        Assert.True(await store.DeleteAsync(ids[1]));
        Assert.Equal(4, await CountVectorsAsync(store));

        IReadOnlyList<LogEntry> replaced = logs.WithId(5103);
        Assert.NotEmpty(replaced);
        Assert.All(replaced, e => Assert.DoesNotContain(fixture.Server.TestPassword, e.Message, StringComparison.Ordinal));
        Assert.All(logs.Entries, e => Assert.Null(e.Exception));
    }

    [Fact]
    public async Task After_its_backends_are_terminated_a_write_succeeds_at_the_first_try_and_is_stored_once()
    {
        string schema = PostgresStoreFixture.NewSchema();
        await using PostgresMemoryStore store = await fixture.OpenAsync(schema);
        await Task.WhenAll(Enumerable.Range(0, 3).Select(i => store.AddAsync([Draft($"first {i}")])));

        Assert.True(await fixture.Server.TerminateBackendsAsync() > 0);

        IReadOnlyList<StoreResult> results = await store.AddAsync([Draft("second"), Draft("first 0")]);
        Assert.True(results[0].Added);
        Assert.False(results[1].Added);
        Assert.Equal(4, await store.CountAsync());
    }

    private static async Task<int> CountVectorsAsync(PostgresMemoryStore store)
    {
        int count = 0;
        await foreach (StoredVector _ in store.ReadVectorsAsync())
        {
            count++;
        }

        return count;
    }
}
