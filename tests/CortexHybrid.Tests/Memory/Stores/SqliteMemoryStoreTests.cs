using CortexHybrid.Memory;
using CortexHybrid.Memory.Stores;
using CortexHybrid.Tests.Support;
using Microsoft.Data.Sqlite;
using static CortexHybrid.Tests.Memory.Stores.StoreTestData;

namespace CortexHybrid.Tests.Memory.Stores;

public sealed class SqliteMemoryStoreTests
{
    [Fact]
    public async Task Every_field_round_trips_exactly()
    {
        using var directory = new TemporaryDirectory();
        var storedAt = new DateTimeOffset(2024, 2, 29, 23, 59, 59, 123, TimeSpan.FromHours(5.5)).AddTicks(4567);
        string text = "Ünïcödé — 日本語のテキスト, emoji 🧠🦀 (surrogate pairs), RTL עברית, combining e\u0301, tab\tand\nnewline";
        string[] tags = ["zeta", "alpha", "Ünïcode 标签", "mid"];
        var metadata = new Dictionary<string, string>
        {
            ["source"] = "chat \"quoted\" \\ back\\slash",
            ["ключ"] = "значение 🧪",
            ["empty"] = string.Empty,
            ["json-ish"] = "{\"a\":[1,2]}",
        };
        float[] vector = Vector(7);
        long id;
        await using (SqliteMemoryStore store = await OpenAsync(directory.Path))
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

        await using (SqliteMemoryStore reopened = await OpenAsync(directory.Path))
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
            Assert.Equal(storedAt.ToUnixTimeMilliseconds(), record.StoredAt.ToUnixTimeMilliseconds());
            Assert.Equal(new DateTimeOffset(storedAt.UtcDateTime.Ticks - (storedAt.UtcDateTime.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero), record.StoredAt);
        }
    }

    [Fact]
    public async Task Special_float_values_and_many_vectors_come_back_bit_exact_in_id_order()
    {
        using var directory = new TemporaryDirectory();
        await using SqliteMemoryStore store = await OpenAsync(directory.Path);
        // Crosses the 1,024-row pages of ReadVectorsAsync.
        var drafts = Enumerable.Range(0, 2500).Select(i => Draft($"vector {i}", Vector(i))).ToList();
        IReadOnlyList<StoreResult> results = await store.AddAsync(drafts);

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
        using var directory = new TemporaryDirectory();
        await using SqliteMemoryStore store = await OpenAsync(directory.Path);

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
        // The duplicate's tags did not replace the stored memory's.
        Assert.Equal(["one"], (await store.GetAsync([first[0].Id])).Single().Tags);
        // Texts are compared exactly: case and white space count.
        Assert.True((await store.AddAsync([Draft("A"), Draft("a ")])).All(r => r.Added));
        Assert.Null(await store.FindByTextAsync("d"));
        Assert.Equal(first[1].Id, await store.FindByTextAsync("b"));
    }

    [Fact]
    public async Task Ids_are_never_reused_after_a_delete_even_across_reopening()
    {
        using var directory = new TemporaryDirectory();
        long highest;
        await using (SqliteMemoryStore store = await OpenAsync(directory.Path))
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

        await using (SqliteMemoryStore reopened = await OpenAsync(directory.Path))
        {
            Assert.Equal(2, await reopened.CountAsync());
            Assert.True((await reopened.AddAsync([Draft("d")]))[0].Id > highest);
        }
    }

    [Fact]
    public async Task Deleting_a_memory_deletes_its_tags()
    {
        using var directory = new TemporaryDirectory();
        await using SqliteMemoryStore store = await OpenAsync(directory.Path);
        IReadOnlyList<StoreResult> added = await store.AddAsync([Draft("a", tags: ["x", "y"]), Draft("b", tags: ["x"])]);

        Assert.True(await store.DeleteAsync(added[0].Id));

        Assert.Equal(1, await store.CountAsync("x"));
        Assert.Equal(0, await store.CountAsync("y"));
        Assert.Equal([added[1].Id], await store.IdsWithAllTagsAsync(["x"]));
        Assert.Empty(await store.GetAsync([added[0].Id]));
        Assert.Null(await store.FindByTextAsync("a"));
        Assert.DoesNotContain(added[0].Id, (await VectorsAsync(store)).Keys);
        Assert.Equal("1", await store.ReadWritePragmaAsync("foreign_keys"));
    }

    [Fact]
    public async Task Tag_queries_count_and_intersect()
    {
        using var directory = new TemporaryDirectory();
        await using SqliteMemoryStore store = await OpenAsync(directory.Path);
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
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.IdsWithAllTagsAsync(null!));

        Assert.Equal([three, two], (await store.ListRecentAsync(10, "c")).Select(m => m.Id));
        Assert.Equal(["c", "a", "b"], (await store.ListRecentAsync(1, "c")).Single().Tags);
        Assert.Empty(await store.ListRecentAsync(10, "nope"));
        Assert.Empty((await store.GetAsync([r[3].Id])).Single().Tags);
    }

    [Fact]
    public async Task List_recent_is_newest_first_by_time_then_id()
    {
        using var directory = new TemporaryDirectory();
        await using SqliteMemoryStore store = await OpenAsync(directory.Path);
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
        using var directory = new TemporaryDirectory();
        await using SqliteMemoryStore store = await OpenAsync(directory.Path);
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
    }

    [Fact]
    public async Task A_batch_with_a_bad_vector_stores_nothing()
    {
        using var directory = new TemporaryDirectory();
        await using SqliteMemoryStore store = await OpenAsync(directory.Path);
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
    public async Task A_batch_that_fails_inside_the_transaction_stores_nothing()
    {
        using var directory = new TemporaryDirectory();
        await using SqliteMemoryStore store = await OpenAsync(directory.Path);
        await store.AddAsync([Draft("kept", tags: ["t"])]);

        // Tags come validated without duplicates; one twice breaks the tags table's key on the
        // third insert, after two memories of the batch were written.
        await Assert.ThrowsAsync<SqliteException>(() => store.AddAsync([Draft("x", tags: ["t"]), Draft("y"), Draft("z", tags: ["dup", "dup"])]));

        Assert.Equal(1, await store.CountAsync());
        Assert.Equal(1, await store.CountAsync("t"));
        Assert.Null(await store.FindByTextAsync("x"));
        Assert.Single(await VectorsAsync(store));
        // The store is still usable.
        Assert.True((await store.AddAsync([Draft("x")]))[0].Added);
    }

    [Fact]
    public async Task A_cancelled_write_stores_nothing()
    {
        using var directory = new TemporaryDirectory();
        await using SqliteMemoryStore store = await OpenAsync(directory.Path);
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
    public async Task The_write_connection_is_WAL_with_full_sync_and_foreign_keys()
    {
        using var directory = new TemporaryDirectory();
        await using SqliteMemoryStore store = await OpenAsync(directory.Path, options: new SqliteMemoryStoreOptions { BusyTimeout = TimeSpan.FromSeconds(7) });
        Assert.Equal("wal", await store.ReadWritePragmaAsync("journal_mode"));
        Assert.Equal("2", await store.ReadWritePragmaAsync("synchronous"));
        Assert.Equal("1", await store.ReadWritePragmaAsync("foreign_keys"));
        Assert.Equal("7000", await store.ReadWritePragmaAsync("busy_timeout"));
    }

    [Fact]
    public async Task The_store_records_its_model_schema_and_creation_time()
    {
        using var directory = new TemporaryDirectory();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Epoch.AddDays(100));
        string path;
        await using (var store = new SqliteMemoryStore(directory.Path, time: time))
        {
            path = store.DatabasePath;
            MemoryStoreInfo info = await store.OpenAsync(Model);
            Assert.Equal(new MemoryStoreInfo(Model, 0, Created: true), info);
            await store.AddAsync([Draft("a"), Draft("b")]);
        }

        await using (var store = new SqliteMemoryStore(directory.Path))
        {
            Assert.Equal(new MemoryStoreInfo(Model, 2, Created: false), await store.OpenAsync(Model));
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using SqliteCommand select = connection.CreateCommand();
        select.CommandText = "SELECT key, value FROM meta";
        var meta = new Dictionary<string, string>();
        using SqliteDataReader reader = select.ExecuteReader();
        while (reader.Read())
        {
            meta[reader.GetString(0)] = reader.GetString(1);
        }

        Assert.Equal("1", meta["schema_version"]);
        Assert.Equal(Model.Id, meta["model_id"]);
        Assert.Equal("8", meta["dimensions"]);
        Assert.Equal(Epoch.AddDays(100).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), meta["created_at"]);
    }

    [Fact]
    public async Task Nothing_touches_the_disk_before_OpenAsync_and_calls_need_an_open_store()
    {
        using var parent = new TemporaryDirectory();
        string directory = Path.Combine(parent.Path, "store");
        var store = new SqliteMemoryStore(directory);
        Assert.Equal($"SQLite store at {directory}", store.Description);
        Assert.False(Directory.Exists(directory));

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.AddAsync([Draft("a")]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.DeleteAsync(1));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.GetAsync([1]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.ListRecentAsync(1, null));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CountAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.FindByTextAsync("a"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.IdsWithAllTagsAsync(["a"]));
        Assert.Throws<InvalidOperationException>(() => store.ReadVectorsAsync());

        await store.OpenAsync(Model);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.OpenAsync(Model));
        await store.DisposeAsync();
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.OpenAsync(Model));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.AddAsync([Draft("a")]));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.DeleteAsync(1));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetAsync([1]));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.ListRecentAsync(1, null));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.CountAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.FindByTextAsync("a"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.IdsWithAllTagsAsync(["a"]));
        Assert.Throws<ObjectDisposedException>(() => store.ReadVectorsAsync());
    }

    [Fact]
    public async Task A_store_disposed_before_it_opened_never_opens()
    {
        using var directory = new TemporaryDirectory();
        var store = new SqliteMemoryStore(directory.Path);
        await store.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.OpenAsync(Model));
        Assert.False(File.Exists(Path.Combine(directory.Path, SqliteMemoryStore.DatabaseFileName)));
    }

    [Fact]
    public void Bad_arguments_and_options_are_refused_at_construction()
    {
        Assert.Throws<ArgumentNullException>(() => new SqliteMemoryStore(null!));
        Assert.Throws<ArgumentException>(() => new SqliteMemoryStore(" "));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteMemoryStore("x", new SqliteMemoryStoreOptions { ReadConnections = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteMemoryStore("x", new SqliteMemoryStoreOptions { BusyTimeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteMemoryStore("x", new SqliteMemoryStoreOptions { ReadTimeout = TimeSpan.FromSeconds(-1) }));
    }

    [Fact]
    public async Task A_bad_model_is_refused_before_the_disk_is_touched()
    {
        using var parent = new TemporaryDirectory();
        await using var store = new SqliteMemoryStore(Path.Combine(parent.Path, "store"));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.OpenAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => store.OpenAsync(new EmbeddingModel(" ", 8)));
        await Assert.ThrowsAsync<ArgumentException>(() => store.OpenAsync(new EmbeddingModel("m", 0)));
        Assert.False(Directory.Exists(Path.Combine(parent.Path, "store")));
    }
}
