using CortexHybrid.Caching;
using CortexHybrid.Memory;
using CortexHybrid.Memory.Stores;
using CortexHybrid.Tests.Support;

namespace CortexHybrid.Tests.Memory;

/// <summary>
/// A separate query-embedding cache (what <c>cortex serve --redis</c> shares between instances):
/// embeddings go there, recall responses stay in the memory's own cache, and a second memory
/// over the same embedding cache does not run the model for a query the first one embedded.
/// </summary>
public sealed class SemanticMemoryEmbeddingCacheTests
{
    [Fact]
    public async Task Query_embeddings_go_to_the_embedding_cache_and_responses_stay_in_the_memorys_own()
    {
        using var first = new TemporaryDirectory();
        using var second = new TemporaryDirectory();
        var embeddings = new WordHashEmbeddingGenerator();
        using var shared = new TieredCache(new TieredCacheOptions { Name = "embeddings", L3Capacity = 0 });
        using var ownA = new TieredCache(new TieredCacheOptions { Name = "a", L3Capacity = 0 });
        using var ownB = new TieredCache(new TieredCacheOptions { Name = "b", L3Capacity = 0 });
        await using var storeA = new SqliteMemoryStore(first.Path);
        await using var storeB = new SqliteMemoryStore(second.Path);
        await using var memoryA = new SemanticMemory(storeA, embeddings, cache: ownA, embeddingCache: shared);
        await using var memoryB = new SemanticMemory(storeB, embeddings, cache: ownB, embeddingCache: shared);
        await memoryA.OpenAsync();
        await memoryB.OpenAsync();
        await memoryA.RememberAsync("the deploy key lives in the vault");
        await memoryB.RememberAsync("the deploy key lives in the vault");

        await memoryA.RecallAsync("where is the deploy key", k: 1);
        Assert.Equal(1, shared.GetStatistics().L1Count); // the query's embedding
        Assert.Equal(1, ownA.GetStatistics().L1Count); // the response only

        int calls = embeddings.Calls;
        IReadOnlyList<RecallHit> hits = await memoryB.RecallAsync("where is the deploy key", k: 1);
        Assert.Single(hits);
        Assert.Equal(calls, embeddings.Calls); // B reused A's embedding
        Assert.Equal(1, ownB.GetStatistics().L1Count);
        Assert.Equal(1, shared.GetStatistics().L1Count);
    }
}
