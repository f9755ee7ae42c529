using CortexHybrid.Caching;
using CortexHybrid.Memory;
using CortexHybrid.Memory.Stores;
using CortexHybrid.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Memory;

/// <summary>
/// <see cref="SemanticMemoryOptions.WarmQueries"/>: the recalls asked most before a stop are in the
/// recall cache after the next start, without a model run when they come again.
/// </summary>
public sealed class SemanticMemoryWarmingTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task The_most_frequent_recalls_of_the_last_run_are_cached_at_the_next_start()
    {
        await RunAsync(new SemanticMemoryOptions(), async memory =>
        {
            foreach (string text in (string[])["the deploy key lives in the vault", "lunch is at noon on fridays", "alice owns the billing service"])
            {
                await memory.RememberAsync(text, text.Contains("billing", StringComparison.Ordinal) ? ["work"] : null);
            }

            for (int i = 0; i < 3; i++)
            {
                await memory.RecallAsync("where is the deploy key");
            }

            await memory.RecallAsync("  who owns   billing? ", k: 2, tags: ["work"]); // the same request once normalized (spaces)
            await memory.RecallAsync("who owns billing?", k: 2, tags: ["work"]);
            await memory.RecallAsync("when is lunch", minScore: 0.1f);
        });

        var embeddings = new WordHashEmbeddingGenerator();
        await RunAsync(new SemanticMemoryOptions(), async memory =>
        {
            CacheWarmResult warmed = await memory.Warming;
            Assert.Equal((3, 0, 0), (warmed.Loaded, warmed.AlreadyCached, warmed.Failed));
            int modelRuns = embeddings.Calls;
            Assert.Equal(3, modelRuns); // one per distinct recall

            IReadOnlyList<RecallHit> deploy = await memory.RecallAsync("where is the deploy key");
            Assert.Equal("the deploy key lives in the vault", deploy[0].Text);
            Assert.Single(await memory.RecallAsync("who owns billing?", k: 2, tags: ["work"]));
            await memory.RecallAsync("when is lunch", minScore: 0.1f);

            MemoryStatus status = memory.GetStatus();
            Assert.Equal((3L, 0L), (status.Cache.RecallsCached, status.Cache.RecallsComputed));
            Assert.Equal(modelRuns, embeddings.Calls);
        }, embeddings);
    }

    [Fact]
    public async Task Warm_queries_bounds_what_is_warmed_and_zero_records_nothing()
    {
        await RunAsync(new SemanticMemoryOptions { WarmQueries = 0 }, async memory =>
        {
            await memory.RememberAsync("the deploy key lives in the vault");
            await memory.RecallAsync("where is the deploy key");
        });
        await RunAsync(new SemanticMemoryOptions(), async memory =>
        {
            Assert.Equal(0, (await memory.Warming).Loaded); // the run with 0 saved nothing
            await memory.RecallAsync("where is the deploy key");
            await memory.RecallAsync("where is the deploy key");
            await memory.RecallAsync("what is in the vault");
        });
        await RunAsync(new SemanticMemoryOptions { WarmQueries = 1 }, async memory =>
        {
            CacheWarmResult warmed = await memory.Warming;
            Assert.Equal(1, warmed.Loaded);
            await memory.RecallAsync("where is the deploy key");
            Assert.Equal(1, memory.GetStatus().Cache.RecallsCached);
        });
    }

    [Fact]
    public async Task A_warming_that_cannot_run_fails_nothing_and_the_memory_serves()
    {
        await RunAsync(new SemanticMemoryOptions(), async memory =>
        {
            await memory.RememberAsync("the deploy key lives in the vault");
            await memory.RecallAsync("where is the deploy key");
        });

        var failing = new WordHashEmbeddingGenerator { Failure = new InvalidOperationException("the model is away") };
        await RunAsync(new SemanticMemoryOptions(), async memory =>
        {
            CacheWarmResult warmed = await memory.Warming;
            Assert.Equal((0, 1), (warmed.Loaded, warmed.Failed));
            failing.Failure = null;
            Assert.Single(await memory.RecallAsync("where is the deploy key"));
        }, failing);
    }

    [Fact]
    public void Warm_queries_out_of_range_is_named()
    {
        var store = new SqliteMemoryStore(_directory.Path, time: _time);
        ArgumentOutOfRangeException exception = Assert.Throws<ArgumentOutOfRangeException>("WarmQueries", () => new SemanticMemory(store, new WordHashEmbeddingGenerator(), new SemanticMemoryOptions { WarmQueries = FrequentQuery.MaxKept + 1 }));
        Assert.StartsWith("WarmQueries must be from 0 to 1000.", exception.Message, StringComparison.Ordinal);
    }

    private async Task RunAsync(SemanticMemoryOptions options, Func<SemanticMemory, Task> body, WordHashEmbeddingGenerator? embeddings = null)
    {
        await using var store = new SqliteMemoryStore(_directory.Path, time: _time);
        await using var memory = new SemanticMemory(store, embeddings ?? new WordHashEmbeddingGenerator(), options, timeProvider: _time);
        await memory.OpenAsync();
        await body(memory);
    }
}
