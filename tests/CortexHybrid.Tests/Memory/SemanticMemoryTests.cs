using CortexHybrid.Memory;
using CortexHybrid.Memory.Stores;
using CortexHybrid.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Memory;

/// <summary>
/// SemanticMemory over a real SQLite store and a deterministic word-hash generator: remember,
/// recall (exact, filtered, cached and invalidated), forget, list, reopen, status and bad input.
/// </summary>
public sealed class SemanticMemoryTests : IAsyncLifetime
{
    private readonly TemporaryDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly WordHashEmbeddingGenerator _embeddings = new();
    private SqliteMemoryStore _store = null!;
    private SemanticMemory _memory = null!;

    public async Task InitializeAsync()
    {
        (_store, _memory) = await OpenAsync(_embeddings);
    }

    public async Task DisposeAsync()
    {
        await _memory.DisposeAsync();
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    private async Task<(SqliteMemoryStore Store, SemanticMemory Memory)> OpenAsync(WordHashEmbeddingGenerator embeddings, IProgress<MemoryLoadProgress>? progress = null)
    {
        var store = new SqliteMemoryStore(_directory.Path, time: _time);
        var memory = new SemanticMemory(store, embeddings, timeProvider: _time);
        try
        {
            await memory.OpenAsync(progress);
        }
        catch
        {
            await memory.DisposeAsync();
            await store.DisposeAsync();
            throw;
        }

        return (store, memory);
    }

    private async Task ReopenAsync()
    {
        await _memory.DisposeAsync();
        await _store.DisposeAsync();
        (_store, _memory) = await OpenAsync(_embeddings);
    }

    [Fact]
    public async Task Remembered_text_is_recalled_first_with_its_tags_metadata_and_time()
    {
        RememberResult kept = await _memory.RememberAsync("  the deploy key lives in the vault  ", ["ops", "secrets"], new Dictionary<string, string> { ["source"] = "wiki" });
        await _memory.RememberAsync("lunch is at noon on fridays", ["social"]);
        await _memory.RememberAsync("the vault is backed up nightly", ["ops"]);
        Assert.True(kept.Added);

        IReadOnlyList<RecallHit> hits = await _memory.RecallAsync("where is the deploy key", k: 3);
        RecallHit first = hits[0];
        Assert.Equal(kept.Id, first.Id);
        Assert.Equal("the deploy key lives in the vault", first.Text); // trimmed
        Assert.Equal(["ops", "secrets"], first.Tags);
        Assert.Equal("wiki", first.Metadata["source"]);
        Assert.Equal(_time.GetUtcNow(), first.StoredAt);
        Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.Score >= p.Second.Score), "hits are not best first");
        float[] q = WordHashEmbeddingGenerator.Embed("where is the deploy key", _embeddings.Dimensions);
        float[] m = WordHashEmbeddingGenerator.Embed(first.Text, _embeddings.Dimensions);
        Assert.Equal(q.Zip(m).Sum(p => p.First * p.Second), first.Score, 1e-5f);
    }

    [Fact]
    public async Task The_same_text_again_returns_its_id_without_running_the_model_or_storing_it_twice()
    {
        RememberResult first = await _memory.RememberAsync("remember the milk");
        int calls = _embeddings.Calls;
        RememberResult again = await _memory.RememberAsync("remember the milk  ", ["other"]);

        Assert.Equal(first.Id, again.Id);
        Assert.False(again.Added);
        Assert.Equal(calls, _embeddings.Calls);
        Assert.Equal(1, await _memory.CountAsync());
        Assert.Empty((await _memory.ListRecentAsync(tag: "other")));
    }

    [Fact]
    public async Task Tags_filter_to_memories_carrying_all_of_them_and_the_minimum_score_drops_weak_hits()
    {
        long a = (await _memory.RememberAsync("alpha beta gamma", ["x", "y"])).Id;
        long b = (await _memory.RememberAsync("alpha beta", ["x"])).Id;
        await _memory.RememberAsync("alpha", ["y"]);
        await _memory.RememberAsync("zeta eta theta", ["x", "y"]);

        IReadOnlyList<RecallHit> both = await _memory.RecallAsync("alpha beta", k: 10, tags: ["x", "y"]);
        Assert.Equal([a], both.Where(h => h.Score > 0).Select(h => h.Id));
        Assert.All(both, h => Assert.Superset(new HashSet<string> { "x", "y" }, h.Tags.ToHashSet()));

        IReadOnlyList<RecallHit> strong = await _memory.RecallAsync("alpha beta", k: 10, minScore: 0.99f);
        Assert.Equal([b], strong.Select(h => h.Id));
        Assert.Empty(await _memory.RecallAsync("alpha beta", tags: ["nobody-has-this"]));
    }

    [Fact]
    public async Task A_repeated_query_is_answered_from_the_cache_and_a_reworded_one_reuses_the_embedding()
    {
        await _memory.RememberAsync("the build server is called ember");
        int before = _embeddings.Texts;

        await _memory.RecallAsync("what is the build server called");
        Assert.Equal(before + 1, _embeddings.Texts);
        await _memory.RecallAsync("what is the build server called");
        await _memory.RecallAsync("  what is   the build\tserver called ");  // the same after normalizing white space
        await _memory.RecallAsync("what is the build server called", k: 2);    // another response, the same embedding
        Assert.Equal(before + 1, _embeddings.Texts);

        // This test model is not uncased (its id says nothing of it), so letter case is meaningful.
        await _memory.RecallAsync("What is the BUILD server called");
        Assert.Equal(before + 2, _embeddings.Texts);

        MemoryStatus status = _memory.GetStatus();
        Assert.Equal(2, status.Cache.RecallsCached);
        Assert.Equal(3, status.Cache.RecallsComputed);
        Assert.Equal(2, status.Cache.QueryEmbeddingsComputed);
        Assert.Equal(1, status.Cache.QueryEmbeddingsReused);
    }

    [Fact]
    public async Task Queries_differing_only_in_case_share_the_embedding_of_an_uncased_model()
    {
        var uncased = new WordHashEmbeddingGenerator("test/word-hash-uncased", 64);
        await using var store = new SqliteMemoryStore(Path.Combine(_directory.Path, "uncased"), time: _time);
        await using var memory = new SemanticMemory(store, uncased, timeProvider: _time);
        await memory.OpenAsync();
        await memory.RememberAsync("the build server is called ember");
        int before = uncased.Texts;

        await memory.RecallAsync("What is the BUILD server called");
        await memory.RecallAsync("what is the build server called");
        Assert.Equal(before + 1, uncased.Texts);
        Assert.Equal(1, memory.GetStatus().Cache.RecallsCached);
    }

    [Fact]
    public async Task A_remember_or_forget_changes_what_a_cached_recall_returns()
    {
        long old = (await _memory.RememberAsync("coffee machine on floor two")).Id;
        Assert.Equal(old, (await _memory.RecallAsync("coffee machine floor three"))[0].Id);

        long better = (await _memory.RememberAsync("coffee machine on floor three")).Id;
        Assert.Equal(better, (await _memory.RecallAsync("coffee machine floor three"))[0].Id);

        Assert.True(await _memory.ForgetAsync(better));
        IReadOnlyList<RecallHit> after = await _memory.RecallAsync("coffee machine floor three");
        Assert.DoesNotContain(after, h => h.Id == better);
        Assert.Equal(old, after[0].Id);
        Assert.False(await _memory.ForgetAsync(better));
        Assert.Contains(_memory.GetStatus().Errors, e => e.Category == SemanticMemory.NotFoundCategory);
    }

    [Fact]
    public async Task Forgetting_a_tag_forgets_every_memory_carrying_it_and_nothing_else_cached_recalls_included()
    {
        long first = (await _memory.RememberAsync("the garden hose hangs behind the shed", ["garden"])).Id;
        long second = (await _memory.RememberAsync("the garden shears are in the shed", ["garden", "tools"])).Id;
        long kept = (await _memory.RememberAsync("the drill is in the shed", ["tools"])).Id;
        Assert.Equal(2, (await _memory.RecallAsync("shed garden", k: 5, tags: ["garden"])).Count); // cached now
        Assert.Equal(3, (await _memory.RecallAsync("in the shed", k: 5)).Count);

        Assert.Equal([first, second], await _memory.ForgetTaggedAsync("  garden "));

        Assert.Empty(await _memory.RecallAsync("shed garden", k: 5, tags: ["garden"]));
        Assert.Equal([kept], (await _memory.RecallAsync("in the shed", k: 5)).Select(h => h.Id));
        Assert.Equal(1, await _memory.CountAsync());
        Assert.Equal(0, await _memory.CountAsync("garden"));
        Assert.Equal(1, await _memory.CountAsync("tools"));
        Assert.Empty(await _memory.ForgetTaggedAsync("garden")); // none left: not an error
        Assert.Contains(_memory.GetStatus().Tools, t => t.Name == SemanticMemory.ForgetTaggedOperation && t.Calls == 2);

        // Gone from the store too: a reopened memory rebuilds its index without them.
        await ReopenAsync();
        Assert.Equal([kept], (await _memory.RecallAsync("in the shed", k: 5)).Select(h => h.Id));
    }

    [Theory]
    [InlineData("", "tag[0] is empty")]
    [InlineData("   ", "tag[0] is empty")]
    [InlineData("a\u0001b", "control character")]
    public async Task A_bad_tag_to_forget_is_refused_in_one_line_and_nothing_is_forgotten(string tag, string message)
    {
        await _memory.RememberAsync("a memory that stays", ["stays"]);
        var thrown = await Assert.ThrowsAsync<InvalidMemoryInputException>(() => _memory.ForgetTaggedAsync(tag));
        Assert.Contains(message, thrown.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', thrown.Message);
        Assert.Equal(1, await _memory.CountAsync());
    }

    [Fact]
    public async Task Reopening_rebuilds_the_index_from_the_store_with_progress()
    {
        IReadOnlyList<RememberResult> stored = await _memory.RememberManyAsync(
            [.. Enumerable.Range(0, 300).Select(i => new MemoryInput($"note number {i} about topic {i % 7}", [$"t{i % 3}"]))]);
        Assert.All(stored, r => Assert.True(r.Added));

        await _memory.DisposeAsync();
        await _store.DisposeAsync();
        var reports = new List<MemoryLoadProgress>();
        (_store, _memory) = await OpenAsync(_embeddings, new SynchronousProgress<MemoryLoadProgress>(reports.Add));

        Assert.Equal(300, await _memory.CountAsync());
        Assert.Equal(new MemoryLoadProgress(300, 300), reports[^1]);
        Assert.Equal(new MemoryLoadProgress(0, 300), reports[0]);
        Assert.Equal(stored[42].Id, (await _memory.RecallAsync("note number 42 about topic 0"))[0].Id);
        Assert.Equal(100, await _memory.CountAsync("t1"));
    }

    [Fact]
    public async Task A_store_built_with_another_model_is_refused_naming_both_and_left_as_it_was()
    {
        await _memory.RememberAsync("kept as it was");
        await _memory.DisposeAsync();
        await _store.DisposeAsync();

        var other = new WordHashEmbeddingGenerator("test/other-model", 32);
        MemoryStoreModelMismatchException refused = await Assert.ThrowsAsync<MemoryStoreModelMismatchException>(() => OpenAsync(other));
        Assert.Contains("test/word-hash-64", refused.Message, StringComparison.Ordinal);
        Assert.Contains("test/other-model", refused.Message, StringComparison.Ordinal);

        (_store, _memory) = await OpenAsync(_embeddings);
        Assert.Equal("kept as it was", (await _memory.ListRecentAsync())[0].Text);
    }

    [Fact]
    public async Task Listing_is_newest_first_and_by_tag()
    {
        long first = (await _memory.RememberAsync("first", ["a"])).Id;
        _time.Advance(TimeSpan.FromSeconds(1));
        long second = (await _memory.RememberAsync("second", ["b"])).Id;
        _time.Advance(TimeSpan.FromSeconds(1));
        long third = (await _memory.RememberAsync("third", ["a"])).Id;

        Assert.Equal([third, second, first], (await _memory.ListRecentAsync()).Select(r => r.Id));
        Assert.Equal([third, first], (await _memory.ListRecentAsync(tag: "a")).Select(r => r.Id));
        Assert.Equal([third], (await _memory.ListRecentAsync(limit: 1)).Select(r => r.Id));
    }

    [Theory]
    [InlineData("", "text is empty or only white space.")]
    [InlineData("   \n\t", "text is empty or only white space.")]
    public async Task Empty_text_is_refused_in_one_line_and_nothing_is_stored(string text, string message)
    {
        InvalidMemoryInputException refused = await Assert.ThrowsAsync<InvalidMemoryInputException>(() => _memory.RememberAsync(text));
        Assert.Equal(message, refused.Message);
        Assert.Equal(0, await _memory.CountAsync());
    }

    [Fact]
    public async Task Input_over_a_limit_is_refused_with_the_limit_named_in_one_line()
    {
        string big = new('a', (32 * 1024) + 1);
        Assert.Equal("text is 32,769 bytes of UTF-8; the limit is 32,768.", (await Assert.ThrowsAsync<InvalidMemoryInputException>(() => _memory.RememberAsync(big))).Message);
        await _memory.RememberAsync(new string('a', 32 * 1024)); // exactly the limit is fine

        Assert.Equal("k is 0; it must be from 1 to 100.", (await Assert.ThrowsAsync<InvalidMemoryInputException>(() => _memory.RecallAsync("q", k: 0))).Message);
        Assert.Equal("k is 101; it must be from 1 to 100.", (await Assert.ThrowsAsync<InvalidMemoryInputException>(() => _memory.RecallAsync("q", k: 101))).Message);
        Assert.StartsWith("minScore is NaN", (await Assert.ThrowsAsync<InvalidMemoryInputException>(() => _memory.RecallAsync("q", minScore: float.NaN))).Message, StringComparison.Ordinal);
        Assert.Equal("tags[1] is empty: a tag is 1 to 64 characters.", (await Assert.ThrowsAsync<InvalidMemoryInputException>(() => _memory.RememberAsync("t", ["ok", " "]))).Message);
        Assert.Equal("tags has 17 tags; the limit is 16.", (await Assert.ThrowsAsync<InvalidMemoryInputException>(() => _memory.RememberAsync("t", [.. Enumerable.Range(0, 17).Select(i => $"t{i}")]))).Message);
        Assert.Equal(
            "metadata['k'] is 1,025 characters; the limit is 1,024.",
            (await Assert.ThrowsAsync<InvalidMemoryInputException>(() => _memory.RememberAsync("t", metadata: new Dictionary<string, string> { ["k"] = new string('v', 1025) }))).Message);
        Assert.Equal("inputs[1].text is empty or only white space.", (await Assert.ThrowsAsync<InvalidMemoryInputException>(() => _memory.RememberManyAsync([new("ok"), new(" ")]))).Message);

        Assert.Equal(1, await _memory.CountAsync());
        Assert.Contains(_memory.GetStatus().Errors, e => e.Category == SemanticMemory.ValidationCategory && e.Total >= 7);
    }

    [Fact]
    public async Task Calls_before_opening_say_so_and_a_failing_model_is_counted_as_internal()
    {
        await using var unopened = new SemanticMemory(_store, _embeddings);
        Assert.Contains("not open", (await Assert.ThrowsAsync<InvalidOperationException>(() => unopened.RecallAsync("q"))).Message, StringComparison.Ordinal);

        _embeddings.Failure = new InvalidOperationException("model crashed (test)");
        await Assert.ThrowsAsync<InvalidOperationException>(() => _memory.RememberAsync("anything"));
        Assert.Contains(_memory.GetStatus().Errors, e => e.Category == "internal");
        Assert.Equal(0, await _memory.CountAsync());
    }

    [Fact]
    public async Task Remembering_many_stores_each_text_once_and_reports_progress()
    {
        var progress = new List<int>();
        IReadOnlyList<RememberResult> results = await _memory.RememberManyAsync(
            [.. Enumerable.Range(0, 150).Select(i => new MemoryInput($"fact {i % 100}"))],
            new SynchronousProgress<int>(progress.Add));

        Assert.Equal(150, results.Count);
        Assert.Equal(100, results.Count(r => r.Added));
        Assert.Equal(results[7].Id, results[107].Id);
        Assert.Equal(100, await _memory.CountAsync());
        Assert.Equal(150, progress[^1]);
        Assert.True(progress.SequenceEqual(progress.Order()), "progress went backwards");
    }

    [Fact]
    public async Task Concurrent_remembers_recalls_and_forgets_leave_store_index_and_count_in_step()
    {
        long[] seeded = [.. (await _memory.RememberManyAsync([.. Enumerable.Range(0, 50).Select(i => new MemoryInput($"seed {i}"))])).Select(r => r.Id)];
        Task[] work =
        [
            .. Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                for (int i = 0; i < 40; i++)
                {
                    await _memory.RememberAsync($"worker {w} item {i % 20}");
                    await _memory.RecallAsync($"worker {w} item {i}");
                }
            })),
            Task.Run(async () =>
            {
                foreach (long id in seeded.Take(25))
                {
                    Assert.True(await _memory.ForgetAsync(id));
                }
            }),
        ];
        await Task.WhenAll(work);

        Assert.Equal(25 + 80, await _memory.CountAsync());
        Assert.Equal(25 + 80, _memory.GetStatus().Index.Rows);
        await ReopenAsync();
        Assert.Equal(25 + 80, await _memory.CountAsync());
    }

    [Fact]
    public async Task The_status_has_counts_model_latencies_and_every_target()
    {
        await _memory.RememberAsync("status check");
        await _memory.RecallAsync("status");
        await _memory.RecallAsync("status");
        MemoryStatus status = _memory.GetStatus();

        Assert.Equal(1, status.Memories);
        Assert.Equal(new EmbeddingModel("test/word-hash-64", 64), status.Model);
        Assert.Contains(_directory.Path, status.Store, StringComparison.Ordinal);
        Assert.Contains(status.Tools, t => t.Name == SemanticMemory.RememberOperation && t.Calls == 1);
        Assert.Contains(status.Tools, t => t.Name == SemanticMemory.CachedRecallOperation && t.Calls == 1);
        Assert.Contains(status.Tools, t => t.Name == SemanticMemory.UncachedRecallOperation && t.Calls == 1);
        Assert.Equal(
            ["cached recall p95", "uncached recall p95", "memory_status p95", "peak requests per second", "peak working set"],
            status.Targets.Select(t => t.Name));
        Assert.NotNull(status.Targets[0].Met);
        Assert.True(status.WorkingSetBytes > 0);
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread (Progress{T} posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
