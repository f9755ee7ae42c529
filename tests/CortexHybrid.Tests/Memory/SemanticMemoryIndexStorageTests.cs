using CortexHybrid.Memory;
using CortexHybrid.Memory.Stores;
using CortexHybrid.Search;
using CortexHybrid.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Memory;

/// <summary>
/// <see cref="SemanticMemoryOptions.IndexStorage"/>: a quantized index over the same SQLite store
/// recalls what the float32 one does with the same scores (rescored), reports its form and
/// footprint, and drops to quantized estimates only when told to.
/// </summary>
public sealed class SemanticMemoryIndexStorageTests : IDisposable
{
    private static readonly string[] Texts =
    [
        "the deploy key lives in the vault",
        "lunch is at noon on fridays",
        "the vault is backed up nightly",
        "alice owns the billing service",
        "invoices are sent on the first of the month",
        "the staging database is restored every monday",
        "the wifi password rotates each quarter",
        "release notes are written before every tag",
    ];

    private static readonly string[] Queries = ["where is the deploy key", "who owns billing", "when is staging restored", "what happens every quarter"];

    private readonly TemporaryDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(VectorStorage.Int8)]
    [InlineData(VectorStorage.BFloat16)]
    public async Task A_quantized_index_recalls_the_float32_hits_with_the_float32_scores(VectorStorage storage)
    {
        List<IReadOnlyList<RecallHit>> exact = await RecallAllAsync(new SemanticMemoryOptions(), remember: true);
        List<IReadOnlyList<RecallHit>> quantized = await RecallAllAsync(new SemanticMemoryOptions { IndexStorage = storage }, remember: false, status =>
        {
            Assert.Equal(storage.ToString(), status.Index.Storage);
            Assert.True(status.Index.ExactScores);
            Assert.Equal(storage == VectorStorage.Int8 ? VectorStorageOptions.DefaultInt8Oversample : VectorStorageOptions.DefaultBFloat16Oversample, status.Index.Oversample);
            Assert.Equal(Texts.Length + Fillers().Count(), status.Index.Rows);
        });

        for (int i = 0; i < Queries.Length; i++)
        {
            Assert.Equal(exact[i].Select(h => h.Id), quantized[i].Select(h => h.Id));
            Assert.All(exact[i].Zip(quantized[i]), p => Assert.Equal(p.First.Score, p.Second.Score, 1e-6f));
        }
    }

    [Fact]
    public async Task Without_full_precision_the_index_is_smaller_and_says_its_scores_are_estimates()
    {
        long float32Bytes = 0;
        List<IReadOnlyList<RecallHit>> exact = await RecallAllAsync(new SemanticMemoryOptions(), remember: true, status =>
        {
            Assert.Equal("Float32", status.Index.Storage);
            Assert.True(status.Index.ExactScores);
            float32Bytes = status.Index.MemoryBytes;
        });
        long int8Bytes = 0;
        List<IReadOnlyList<RecallHit>> estimated = await RecallAllAsync(new SemanticMemoryOptions { IndexStorage = VectorStorage.Int8, IndexKeepFullPrecision = false }, remember: false, status =>
        {
            Assert.False(status.Index.ExactScores);
            int8Bytes = status.Index.MemoryBytes;
        });

        Assert.True(int8Bytes < float32Bytes, $"int8 without float32 rows holds {int8Bytes} bytes, float32 {float32Bytes}");

        // The best memory is still found, with a score near (not necessarily equal to) the exact one.
        for (int i = 0; i < Queries.Length; i++)
        {
            Assert.Equal(exact[i][0].Id, estimated[i][0].Id);
            Assert.Equal(exact[i][0].Score, estimated[i][0].Score, 0.05f);
        }
    }

    [Fact]
    public async Task The_sign_prefilter_searches_k_x_f_memories_and_returns_their_exact_scores()
    {
        // Every memory's exact score for every query: the float32 index asked for all of them.
        var exact = new List<Dictionary<long, float>>();
        await RecallAllAsync(new SemanticMemoryOptions { MaxRecall = 1000 }, remember: true, k: Texts.Length + Fillers().Count(), recalled: r => exact.AddRange(r.Select(hits => hits.ToDictionary(h => h.Id, h => h.Score))));

        List<IReadOnlyList<RecallHit>> exactTop = await RecallAllAsync(new SemanticMemoryOptions(), remember: false);
        long unfilteredBytes = 0;
        await RecallAllAsync(new SemanticMemoryOptions { IndexStorage = VectorStorage.Int8 }, remember: false, check: status => unfilteredBytes = status.Index.MemoryBytes);

        // k x 1: only three memories survive the bits, so what comes back is at most those three,
        // each with the exact float32 score of that memory.
        List<IReadOnlyList<RecallHit>> filtered = await RecallAllAsync(new SemanticMemoryOptions { IndexStorage = VectorStorage.Int8, IndexSignPrefilter = 1 }, remember: false, check: status =>
        {
            Assert.Equal(1, status.Index.SignPrefilter);
            Assert.True(status.Index.ExactScores);

            // One bit an element of every row (64 dimensions: one 64-bit word), for whole blocks of
            // eight rows of the index's capacity, which grows ahead of its rows as the row store's does.
            long bits = status.Index.MemoryBytes - unfilteredBytes;
            Assert.InRange(bits, status.Index.Rows * sizeof(ulong), 2 * status.Index.Rows * sizeof(ulong));
            Assert.Equal(0, bits % (8 * sizeof(ulong)));
        });

        for (int i = 0; i < Queries.Length; i++)
        {
            Assert.InRange(filtered[i].Count, 1, 3);
            Assert.All(filtered[i], hit => Assert.Equal(exact[i][hit.Id], hit.Score, 1e-6f));
        }

        // k x 64 keeps every one of the 128 memories: the recall is the exact one.
        List<IReadOnlyList<RecallHit>> all = await RecallAllAsync(new SemanticMemoryOptions { IndexStorage = VectorStorage.Int8, IndexSignPrefilter = 64 }, remember: false);
        for (int i = 0; i < Queries.Length; i++)
        {
            Assert.Equal(exactTop[i].Select(h => h.Id), all[i].Select(h => h.Id));
        }
    }

    public static TheoryData<string, Action<SemanticMemoryOptions>, string> OutOfRange => new()
    {
        { "IndexStorage", o => o.IndexStorage = (VectorStorage)7, "IndexStorage must be Float32, BFloat16 or Int8." },
        { "IndexOversample", o => o.IndexOversample = -1, "IndexOversample must be from 0 to 1000." },
        { "IndexOversample", o => o.IndexOversample = 1001, "IndexOversample must be from 0 to 1000." },
        { "IndexKeepFullPrecision", o => o.IndexKeepFullPrecision = false, "IndexKeepFullPrecision must be true for Float32 storage." },
        { "IndexSignPrefilter", o => o.IndexSignPrefilter = -1, "IndexSignPrefilter must be from 0 to 10000." },
        { "IndexSignPrefilter", o => o.IndexSignPrefilter = 10_001, "IndexSignPrefilter must be from 0 to 10000." },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void A_bad_index_setting_is_named_before_anything_opens(string setting, Action<SemanticMemoryOptions> configure, string rule)
    {
        var options = new SemanticMemoryOptions();
        configure(options);
        var store = new SqliteMemoryStore(_directory.Path, time: _time);
        ArgumentOutOfRangeException exception = Assert.Throws<ArgumentOutOfRangeException>(setting, () => new SemanticMemory(store, new WordHashEmbeddingGenerator(), options, timeProvider: _time));
        Assert.StartsWith(rule, exception.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Memories that share words with the queries, so that the k x oversample candidates of a
    /// recall (12 for int8, 6 for bfloat16) are a small part of the index and the rescoring decides.
    /// </summary>
    private static IEnumerable<string> Fillers()
    {
        string[] words = ["deploy", "key", "vault", "billing", "owns", "staging", "restored", "quarter", "every", "monday", "password", "notes", "service", "backed", "invoices", "tag"];
        for (int i = 0; i < 120; i++)
        {
            yield return $"{words[i % words.Length]} {words[(i * 7 + 3) % words.Length]} {words[(i * 5 + 1) % words.Length]} item {i}";
        }
    }

    /// <summary>Opens a memory over the test's store with <paramref name="options"/>, optionally remembers <see cref="Texts"/>, and recalls the best <paramref name="k"/> of each of <see cref="Queries"/>.</summary>
    private async Task<List<IReadOnlyList<RecallHit>>> RecallAllAsync(SemanticMemoryOptions options, bool remember, Action<MemoryStatus>? check = null, int k = 3, Action<List<IReadOnlyList<RecallHit>>>? recalled = null)
    {
        await using var store = new SqliteMemoryStore(_directory.Path, time: _time);
        await using var memory = new SemanticMemory(store, new WordHashEmbeddingGenerator(), options, timeProvider: _time);
        await memory.OpenAsync();
        if (remember)
        {
            foreach (string text in Texts.Concat(Fillers()))
            {
                await memory.RememberAsync(text);
            }
        }

        var results = new List<IReadOnlyList<RecallHit>>();
        foreach (string query in Queries)
        {
            results.Add(await memory.RecallAsync(query, k: k));
        }

        check?.Invoke(memory.GetStatus());
        recalled?.Invoke(results);
        return results;
    }
}
