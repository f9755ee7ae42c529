using CortexHybrid.Memory.Stores;
using CortexHybrid.Tests.Support;

namespace CortexHybrid.Tests.Memory.Stores;

/// <summary>
/// The recall-query counts of a store (SQLite and PostgreSQL alike): each save halves what is
/// stored and adds the new counts, only the most frequent are kept, and the counts outlive the store.
/// </summary>
public abstract class FrequentQueryStoreTests
{
    /// <summary>Opens the test's store (the same one each call).</summary>
    protected abstract Task<IMemoryStore> OpenAsync();

    [Fact]
    public async Task Each_save_halves_the_stored_counts_adds_the_new_ones_and_survives_a_reopen()
    {
        await using (IMemoryStore store = await OpenAsync())
        {
            Assert.Empty(await store.FrequentQueriesAsync(10));
            await store.SaveFrequentQueriesAsync([new("a", 10), new("b", 3)]);
            await store.SaveFrequentQueriesAsync([new("b", 6), new("c", 1)]);
            Assert.Equal([new("b", 7), new("a", 5), new("c", 1)], await store.FrequentQueriesAsync(10)); // b: 3/2 + 6
        }

        await using (IMemoryStore store = await OpenAsync())
        {
            await store.SaveFrequentQueriesAsync([]);
            Assert.Equal([new("b", 3), new("a", 2)], await store.FrequentQueriesAsync(10)); // c halved to 0: dropped
            Assert.Equal([new FrequentQuery("b", 3)], await store.FrequentQueriesAsync(1));
        }
    }

    [Fact]
    public async Task Only_the_most_frequent_are_kept_and_unusable_counts_are_skipped()
    {
        await using IMemoryStore store = await OpenAsync();
        FrequentQuery[] many = [.. Enumerable.Range(0, FrequentQuery.MaxKept + 5).Select(i => new FrequentQuery($"q{i:D5}", i + 1))];
        await store.SaveFrequentQueriesAsync([.. many, new("zero", 0), new("negative", -4), new(new string('x', FrequentQuery.MaxRequestLength + 1), 99_999)]);

        IReadOnlyList<FrequentQuery> kept = await store.FrequentQueriesAsync(FrequentQuery.MaxKept + 100);
        Assert.Equal(FrequentQuery.MaxKept, kept.Count);
        Assert.Equal(many.Reverse().Take(FrequentQuery.MaxKept), kept);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.FrequentQueriesAsync(-1));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.SaveFrequentQueriesAsync(null!));
    }
}

/// <summary><see cref="FrequentQueryStoreTests"/> on <see cref="SqliteMemoryStore"/>.</summary>
public sealed class SqliteFrequentQueryStoreTests : FrequentQueryStoreTests, IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    protected override async Task<IMemoryStore> OpenAsync() => await StoreTestData.OpenAsync(_directory.Path);
}

/// <summary><see cref="FrequentQueryStoreTests"/> on <see cref="PostgresMemoryStore"/> (a real server).</summary>
[Collection(PostgresStoreCollection.Name)]
public sealed class PostgresFrequentQueryStoreTests(PostgresStoreFixture fixture) : FrequentQueryStoreTests
{
    private readonly string _schema = PostgresStoreFixture.NewSchema();

    protected override async Task<IMemoryStore> OpenAsync() => await fixture.OpenAsync(_schema);
}
