using CortexHybrid.Memory;
using CortexHybrid.Memory.Stores;
using Npgsql;
using static CortexHybrid.Tests.Memory.Stores.StoreTestData;

namespace CortexHybrid.Tests.Memory.Stores;

/// <summary>
/// The PostgreSQL store against a real server: the behaviour the SQLite store's tests check, where
/// it applies (round trips, dedupe, tags, listing, counting, deleting, the model it records), and
/// what only a shared store has (instances opening one schema at once, the change log).
/// </summary>
[Collection(PostgresStoreCollection.Name)]
public sealed class PostgresMemoryStoreTests(PostgresStoreFixture fixture)
{
    [Fact]
    public async Task Every_field_round_trips_exactly()
    {
        string schema = PostgresStoreFixture.NewSchema();
        var storedAt = new DateTimeOffset(2024, 2, 29, 23, 59, 59, 123, TimeSpan.FromHours(5.5)).AddTicks(4567);
        string text = "Ünïcödé — 日本語のテキスト, emoji 🧠🦀 (surrogate pairs), RTL עברית, combining e\u0301, tab\tand\nnewline";
        string[] tags = ["zeta", "alpha", "Ünïcode 标签", "mid"];
        var metadata = new Dictionary<string, string>
        {
            ["source"] = "chat \"quoted\" \\ back\\slash",
            ["ключ"] = "значение 🧪",
            ["empty"] = string.Empty,
            ["json-ish"] = "{\"a\":[1,2]}",
            ["z-first-a-second"] = "order is kept",
            ["a"] = "after z",
        };
        float[] vector = Vector(7);
        long id;
        await using (PostgresMemoryStore store = await fixture.OpenAsync(schema))
        {
            IReadOnlyList<StoreResult> results = await store.AddAsync([Draft(text, vector, tags, metadata, storedAt)]);
            Assert.True(results[0].Added);
            id = results[0].Id;

            AssertRecord((await store.GetAsync([id])).Single());
            AssertRecord((await store.ListRecentAsync(1, null)).Single());
            Assert.Equal(id, await store.FindByTextAsync(text));
            float[] read = (await VectorsAsync(store))[id];
            AssertSameBits(vector, read);
        }

        await using (PostgresMemoryStore reopened = await fixture.OpenAsync(schema))
        {
            AssertRecord((await reopened.GetAsync([id])).Single());
            float[] read = (await VectorsAsync(reopened))[id];
            AssertSameBits(vector, read);
        }

        void AssertRecord(MemoryRecord record)
        {
            Assert.Equal(id, record.Id);
            Assert.Equal(text, record.Text);
            Assert.Equal(tags, record.Tags);
            Assert.Equal(metadata.ToList(), record.Metadata.ToList());
            Assert.Equal(new DateTimeOffset(storedAt.UtcDateTime.Ticks - (storedAt.UtcDateTime.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero), record.StoredAt);
        }
    }

    [Fact]
    public async Task Special_float_values_and_many_vectors_come_back_bit_exact_in_id_order()
    {
        await using PostgresMemoryStore store = await fixture.OpenAsync();
        // Crosses the 1,024-row pages of ReadVectorsAsync; one batch, one statement.
        var drafts = Enumerable.Range(0, 2500).Select(i => Draft($"vector {i}", Vector(i))).ToList();
        IReadOnlyList<StoreResult> results = await store.AddAsync(drafts);
        Assert.True(results.All(r => r.Added));
        Assert.Equal(results.Select(r => r.Id).Order(), results.Select(r => r.Id)); // ids follow the batch's order

        var read = new List<StoredVector>();
        await foreach (StoredVector vector in store.ReadVectorsAsync())
        {
            read.Add(vector);
        }

        Assert.Equal(results.Select(r => r.Id), read.Select(v => v.Id));
        for (int i = 0; i < drafts.Count; i++)
        {
            AssertSameBits(drafts[i].Vector.Span, read[i].Vector);
        }
    }

    [Fact]
    public async Task A_text_already_stored_or_repeated_in_the_batch_returns_the_existing_id()
    {
        await using PostgresMemoryStore store = await fixture.OpenAsync();

        IReadOnlyList<StoreResult> first = await store.AddAsync([Draft("a", tags: ["one"]), Draft("b"), Draft("a", tags: ["other"])]);
        Assert.True(first[0].Added);
        Assert.True(first[1].Added);
        Assert.Equal(new StoreResult(first[0].Id, Added: false), first[2]);
        Assert.NotEqual(first[0].Id, first[1].Id);

        IReadOnlyList<StoreResult> second = await store.AddAsync([Draft("b"), Draft("c"), Draft("c")]);
        Assert.Equal(new StoreResult(first[1].Id, Added: false), second[0]);
        Assert.True(second[1].Added);
        Assert.Equal(new StoreResult(second[1].Id, Added: false), second[2]);

        Assert.Equal(3, await store.CountAsync());
        Assert.Equal(["one"], (await store.GetAsync([first[0].Id])).Single().Tags);
        Assert.Equal(0, await store.CountAsync("other"));
        Assert.True((await store.AddAsync([Draft("A"), Draft("a ")])).All(r => r.Added));
        Assert.Null(await store.FindByTextAsync("d"));
        Assert.Equal(first[1].Id, await store.FindByTextAsync("b"));
        // A batch of texts that are all stored already changes nothing.
        Assert.True((await store.AddAsync([Draft("a"), Draft("b")])).All(r => !r.Added));
        Assert.Equal(5, await store.CountAsync());
    }

    [Fact]
    public async Task Two_instances_storing_the_same_texts_at_once_store_each_once()
    {
        string schema = PostgresStoreFixture.NewSchema();
        await using PostgresMemoryStore a = await fixture.OpenAsync(schema);
        await using PostgresMemoryStore b = await fixture.OpenAsync(schema);
        var drafts = Enumerable.Range(0, 50).Select(i => Draft($"shared {i}")).ToList();

        IReadOnlyList<StoreResult>[] results = await Task.WhenAll(
            Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? a : b).AddAsync(drafts)));

        Assert.Equal(50, await a.CountAsync());
        for (int d = 0; d < drafts.Count; d++)
        {
            Assert.Single(results, r => r[d].Added);
            Assert.Single(results.Select(r => r[d].Id).Distinct());
        }
    }

    [Fact]
    public async Task Ids_are_never_reused_after_a_delete_even_across_reopening()
    {
        string schema = PostgresStoreFixture.NewSchema();
        long highest;
        await using (PostgresMemoryStore store = await fixture.OpenAsync(schema))
        {
            IReadOnlyList<StoreResult> added = await store.AddAsync([Draft("a"), Draft("b"), Draft("c", tags: ["t"])]);
            highest = added[2].Id;
            Assert.True(await store.DeleteAsync(highest));
            Assert.False(await store.DeleteAsync(highest));
            Assert.False(await store.DeleteAsync(12345));

            IReadOnlyList<StoreResult> again = await store.AddAsync([Draft("c", tags: ["t"])]);
            Assert.True(again[0].Added);
            Assert.True(again[0].Id > highest);
            highest = again[0].Id;
            Assert.True(await store.DeleteAsync(highest));
        }

        await using (PostgresMemoryStore reopened = await fixture.OpenAsync(schema))
        {
            Assert.Equal(2, await reopened.CountAsync());
            Assert.True((await reopened.AddAsync([Draft("d")]))[0].Id > highest);
        }
    }

    [Fact]
    public async Task Deleting_a_memory_deletes_its_tags()
    {
        await using PostgresMemoryStore store = await fixture.OpenAsync();
        IReadOnlyList<StoreResult> added = await store.AddAsync([Draft("a", tags: ["x", "y"]), Draft("b", tags: ["x"])]);

        Assert.True(await store.DeleteAsync(added[0].Id));

        Assert.Equal(1, await store.CountAsync("x"));
        Assert.Equal(0, await store.CountAsync("y"));
        Assert.Equal([added[1].Id], await store.IdsWithAllTagsAsync(["x"]));
        Assert.Empty(await store.GetAsync([added[0].Id]));
        Assert.Null(await store.FindByTextAsync("a"));
        Assert.DoesNotContain(added[0].Id, (await VectorsAsync(store)).Keys);
        Assert.Equal(["0"], await fixture.QueryAsync($"SELECT count(*) FROM \"{store.Schema}\".tags WHERE memory_id = {added[0].Id}"));
    }

    [Fact]
    public async Task Tag_queries_count_and_intersect()
    {
        await using PostgresMemoryStore store = await fixture.OpenAsync();
        IReadOnlyList<StoreResult> r = await store.AddAsync(
        [
            Draft("1", tags: ["a", "b"], storedAt: Epoch.AddSeconds(1)),
            Draft("2", tags: ["b", "c"], storedAt: Epoch.AddSeconds(2)),
            Draft("3", tags: ["c", "a", "b"], storedAt: Epoch.AddSeconds(3)),
            Draft("4", storedAt: Epoch.AddSeconds(4)),
        ]);
        long one = r[0].Id, two = r[1].Id, three = r[2].Id;

        Assert.Equal(4, await store.CountAsync());
        Assert.Equal(2, await store.CountAsync("a"));
        Assert.Equal(3, await store.CountAsync("b"));
        Assert.Equal(0, await store.CountAsync("A"));
        Assert.Equal(0, await store.CountAsync("nope"));

        Assert.Equal(new HashSet<long> { one, three }, await store.IdsWithAllTagsAsync(["a"]));
        Assert.Equal(new HashSet<long> { one, three }, await store.IdsWithAllTagsAsync(["b", "a"]));
        Assert.Equal(new HashSet<long> { one, three }, await store.IdsWithAllTagsAsync(["a", "a"]));
        Assert.Equal(new HashSet<long> { two, three }, await store.IdsWithAllTagsAsync(["b", "c"]));
        Assert.Equal(new HashSet<long> { three }, await store.IdsWithAllTagsAsync(["a", "b", "c"]));
        Assert.Empty(await store.IdsWithAllTagsAsync(["a", "nope"]));
        Assert.Empty(await store.IdsWithAllTagsAsync(["nope"]));
        await Assert.ThrowsAsync<ArgumentException>(() => store.IdsWithAllTagsAsync([]));
        await Assert.ThrowsAsync<ArgumentException>(() => store.IdsWithAllTagsAsync(["a", null!]));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.IdsWithAllTagsAsync(null!));

        Assert.Equal([three, two], (await store.ListRecentAsync(10, "c")).Select(m => m.Id));
        Assert.Equal(["c", "a", "b"], (await store.ListRecentAsync(1, "c")).Single().Tags);
        Assert.Empty(await store.ListRecentAsync(10, "nope"));
        Assert.Empty((await store.GetAsync([r[3].Id])).Single().Tags);
    }

    [Fact]
    public async Task List_recent_is_newest_first_by_time_then_id()
    {
        await using PostgresMemoryStore store = await fixture.OpenAsync();
        IReadOnlyList<StoreResult> r = await store.AddAsync(
        [
            Draft("late", storedAt: Epoch.AddMinutes(3)),
            Draft("early", storedAt: Epoch.AddMinutes(1)),
            Draft("middle, stored first", storedAt: Epoch.AddMinutes(2)),
            Draft("middle, stored second", storedAt: Epoch.AddMinutes(2)),
        ]);
        Assert.Equal([r[0].Id, r[3].Id, r[2].Id, r[1].Id], (await store.ListRecentAsync(10, null)).Select(m => m.Id));
        Assert.Equal([r[0].Id, r[3].Id], (await store.ListRecentAsync(2, null)).Select(m => m.Id));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ListRecentAsync(0, null));
    }

    [Fact]
    public async Task Get_reads_any_number_of_ids_once_each_and_skips_missing_ones()
    {
        await using PostgresMemoryStore store = await fixture.OpenAsync();
        var drafts = Enumerable.Range(0, 1200).Select(i => Draft($"memory {i}", tags: [$"t{i % 3}", "all"])).ToList();
        long[] ids = [.. (await store.AddAsync(drafts)).Select(r => r.Id)];

        long[] wanted = [.. ids, .. ids.Take(10), -1, 0, ids[^1] + 1000];
        IReadOnlyList<MemoryRecord> records = await store.GetAsync(wanted);

        Assert.Equal(ids.Order(), records.Select(m => m.Id).Order());
        Dictionary<long, MemoryRecord> byId = records.ToDictionary(m => m.Id);
        for (int i = 0; i < ids.Length; i++)
        {
            Assert.Equal($"memory {i}", byId[ids[i]].Text);
            Assert.Equal([$"t{i % 3}", "all"], byId[ids[i]].Tags);
        }

        Assert.Empty(await store.GetAsync([]));
        Assert.Equal(400, await store.CountAsync("t1"));
    }

    [Fact]
    public async Task A_batch_with_a_bad_vector_stores_nothing()
    {
        await using PostgresMemoryStore store = await fixture.OpenAsync();
        await store.AddAsync([Draft("kept")]);

        ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(() => store.AddAsync([Draft("x"), Draft("y"), Draft("z", new float[Model.Dimensions + 1])]));
        Assert.Contains("Draft 2", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => store.AddAsync([Draft("x", [])]));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AddAsync([Draft("x"), null!]));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.AddAsync(null!));

        Assert.Equal(1, await store.CountAsync());
        Assert.Null(await store.FindByTextAsync("x"));
        Assert.Empty(await store.AddAsync([]));
    }

    [Fact]
    public async Task A_batch_that_fails_inside_the_transaction_stores_nothing_and_logs_nothing()
    {
        await using PostgresMemoryStore store = await fixture.OpenAsync();
        await store.AddAsync([Draft("kept", tags: ["t"])]);
        long sequence = await store.ReadLastSequenceAsync();

        // Tags come validated without duplicates; one twice breaks the tags table's key after the
        // batch's memories were inserted.
        await Assert.ThrowsAsync<PostgresException>(() => store.AddAsync([Draft("x", tags: ["t"]), Draft("y"), Draft("z", tags: ["dup", "dup"])]));

        Assert.Equal(1, await store.CountAsync());
        Assert.Equal(1, await store.CountAsync("t"));
        Assert.Null(await store.FindByTextAsync("x"));
        Assert.Single(await VectorsAsync(store));
        Assert.Equal(sequence, await store.ReadLastSequenceAsync());
        Assert.True((await store.AddAsync([Draft("x")]))[0].Added);
    }

    [Fact]
    public async Task A_cancelled_write_stores_nothing()
    {
        await using PostgresMemoryStore store = await fixture.OpenAsync();
        long id = (await store.AddAsync([Draft("kept")]))[0].Id;
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.AddAsync([Draft("x")], cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.DeleteAsync(id, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.CountAsync(null, cancelled.Token));

        Assert.Equal(1, await store.CountAsync());
        Assert.Equal(id, await store.FindByTextAsync("kept"));
    }

    [Fact]
    public async Task The_store_records_its_model_schema_and_creation_time()
    {
        string schema = PostgresStoreFixture.NewSchema();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Epoch.AddDays(100));
        await using (var store = new PostgresMemoryStore(fixture.ConnectionString, PostgresStoreFixture.Options(schema), time))
        {
            Assert.Equal(new MemoryStoreInfo(Model, 0, Created: true), await store.OpenAsync(Model));
            await store.AddAsync([Draft("a"), Draft("b")]);
        }

        await using (var store = new PostgresMemoryStore(fixture.ConnectionString, PostgresStoreFixture.Options(schema)))
        {
            Assert.Equal(new MemoryStoreInfo(Model, 2, Created: false), await store.OpenAsync(Model));
        }

        List<string> meta = await fixture.QueryAsync($"SELECT key, value FROM \"{schema}\".meta ORDER BY key");
        Assert.Equal(
            [
                "created_at|" + Epoch.AddDays(100).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                "dimensions|8",
                "model_id|" + Model.Id,
                "schema_version|1",
            ],
            meta);
    }

    [Fact]
    public async Task Another_model_id_or_dimension_is_refused_naming_both_and_nothing_is_changed()
    {
        string schema = PostgresStoreFixture.NewSchema();
        await using (PostgresMemoryStore store = await fixture.OpenAsync(schema))
        {
            await store.AddAsync([Draft("a"), Draft("b", tags: ["t"])]);
        }

        string before = await fixture.SnapshotAsync(schema);
        foreach (EmbeddingModel other in new[] { new EmbeddingModel("test/model-b", Model.Dimensions), new EmbeddingModel(Model.Id, Model.Dimensions * 2) })
        {
            await using var store = new PostgresMemoryStore(fixture.ConnectionString, PostgresStoreFixture.Options(schema));
            MemoryStoreModelMismatchException e = await Assert.ThrowsAsync<MemoryStoreModelMismatchException>(() => store.OpenAsync(other));
            Assert.Equal(Model, e.Stored);
            Assert.Equal(other, e.Requested);
            Assert.Equal(store.Description, e.Store);
            Assert.Contains(Model.ToString(), e.Message, StringComparison.Ordinal);
            Assert.Contains(other.ToString(), e.Message, StringComparison.Ordinal);
            Assert.Equal(before, await fixture.SnapshotAsync(schema));
            // A refused store stays closed and can be opened again with the right model.
            await Assert.ThrowsAsync<InvalidOperationException>(() => store.CountAsync());
            await store.OpenAsync(Model);
            Assert.Equal(2, await store.CountAsync());
        }
    }

    [Fact]
    public async Task A_schema_holding_other_tables_is_not_a_store_and_is_not_changed()
    {
        string schema = PostgresStoreFixture.NewSchema();
        await fixture.ExecuteAsync($"CREATE SCHEMA \"{schema}\"; CREATE TABLE \"{schema}\".invoices (id int PRIMARY KEY); INSERT INTO \"{schema}\".invoices VALUES (1)");
        string before = await fixture.SnapshotAsync(schema);

        await using var store = new PostgresMemoryStore(fixture.ConnectionString, PostgresStoreFixture.Options(schema));
        MemoryStoreUnavailableException e = await Assert.ThrowsAsync<MemoryStoreUnavailableException>(() => store.OpenAsync(Model));
        Assert.Contains("not a memory store", e.Message, StringComparison.Ordinal);
        Assert.Contains(schema, e.Message, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.SnapshotAsync(schema));
    }

    [Fact]
    public async Task A_schema_of_a_newer_version_is_refused_unchanged()
    {
        string schema = PostgresStoreFixture.NewSchema();
        await (await fixture.OpenAsync(schema)).DisposeAsync();
        await fixture.ExecuteAsync($"UPDATE \"{schema}\".meta SET value = '99' WHERE key = 'schema_version'");
        string before = await fixture.SnapshotAsync(schema);

        await using var store = new PostgresMemoryStore(fixture.ConnectionString, PostgresStoreFixture.Options(schema));
        MemoryStoreUnavailableException e = await Assert.ThrowsAsync<MemoryStoreUnavailableException>(() => store.OpenAsync(Model));
        Assert.Contains("version 99", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.SnapshotAsync(schema));
    }

    [Fact]
    public async Task Instances_opening_a_new_schema_at_once_create_it_once()
    {
        string schema = PostgresStoreFixture.NewSchema();
        var stores = Enumerable.Range(0, 6).Select(_ => new PostgresMemoryStore(fixture.ConnectionString, PostgresStoreFixture.Options(schema))).ToList();
        try
        {
            MemoryStoreInfo[] infos = await Task.WhenAll(stores.Select(s => s.OpenAsync(Model)));
            Assert.Single(infos, i => i.Created);
            await stores[0].AddAsync([Draft("seen by all")]);
            foreach (PostgresMemoryStore store in stores)
            {
                Assert.NotNull(await store.FindByTextAsync("seen by all"));
            }
        }
        finally
        {
            foreach (PostgresMemoryStore store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Calls_need_an_open_store_and_a_disposed_store_refuses_them()
    {
        var store = new PostgresMemoryStore(fixture.ConnectionString, PostgresStoreFixture.Options(PostgresStoreFixture.NewSchema()));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.AddAsync([Draft("a")]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.DeleteAsync(1));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.GetAsync([1]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.ListRecentAsync(1, null));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CountAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.FindByTextAsync("a"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.IdsWithAllTagsAsync(["a"]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.ReadLastSequenceAsync());
        Assert.Throws<InvalidOperationException>(() => store.ReadVectorsAsync());
        Assert.Throws<InvalidOperationException>(() => store.ChangesAsync(0));
        Assert.Empty(await fixture.QueryAsync($"SELECT 1 FROM pg_namespace WHERE nspname = '{store.Schema}'"));

        await store.OpenAsync(Model);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.OpenAsync(Model));
        await store.DisposeAsync();
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.OpenAsync(Model));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.AddAsync([Draft("a")]));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.CountAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.ReadLastSequenceAsync());
        Assert.Throws<ObjectDisposedException>(() => store.ReadVectorsAsync());
        Assert.Throws<ObjectDisposedException>(() => store.ChangesAsync(0));
    }

    [Fact]
    public void Bad_arguments_and_options_are_refused_at_construction()
    {
        Assert.Throws<ArgumentNullException>(() => new PostgresMemoryStore((string)null!));
        Assert.Throws<ArgumentException>(() => new PostgresMemoryStore(" "));
        Assert.Throws<ArgumentException>(() => new PostgresMemoryStore("Database=x"));
        Assert.Throws<ArgumentException>(() => new PostgresMemoryStore(fixture.ConnectionString, new PostgresMemoryStoreOptions { Schema = "Upper" }));
        Assert.Throws<ArgumentException>(() => new PostgresMemoryStore(fixture.ConnectionString, new PostgresMemoryStoreOptions { Schema = "pg_x" }));
        Assert.Throws<ArgumentException>(() => new PostgresMemoryStore(fixture.ConnectionString, new PostgresMemoryStoreOptions { Schema = "x\"; DROP" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PostgresMemoryStore(fixture.ConnectionString, new PostgresMemoryStoreOptions { CommandTimeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PostgresMemoryStore(fixture.ConnectionString, new PostgresMemoryStoreOptions { MaxReconnectDelay = TimeSpan.FromMilliseconds(1) }));
    }
}
