namespace CortexHybrid.Memory.Stores;

/// <summary>
/// The store of record of a semantic memory: texts, tags, metadata and embeddings,
/// and the embedding model they come from. The vector index is rebuilt from it at start and kept in
/// step with it; every write is durable when its task completes.
/// </summary>
/// <remarks>
/// Implementations: <see cref="SqliteMemoryStore"/> (embedded, the default) and
/// <see cref="PostgresMemoryStore"/> (shared by several instances, with a change feed). A store is opened once
/// (<see cref="OpenAsync"/>) before any other call; calls may then come from many threads at once.
/// Texts are unique: storing a text that is already stored returns the existing id.
/// </remarks>
public interface IMemoryStore : IAsyncDisposable
{
    /// <summary>What the store is, for messages and status: a path, or a connection string with its password redacted.</summary>
    string Description { get; }

    /// <summary>Opens the store, creating it when new, for vectors of <paramref name="model"/>.</summary>
    /// <param name="model">The embedding model of the vectors it will receive.</param>
    /// <param name="cancellationToken">Cancels the opening.</param>
    /// <returns>The store's model and size.</returns>
    /// <exception cref="MemoryStoreModelMismatchException">The store holds vectors of another model or dimension; nothing was changed.</exception>
    /// <exception cref="MemoryStoreUnavailableException">The store cannot be created, is locked by another instance, or is not a memory store.</exception>
    Task<MemoryStoreInfo> OpenAsync(EmbeddingModel model, CancellationToken cancellationToken = default);

    /// <summary>Stores memories in one transaction: all or none. A text already stored (or repeated in the batch) is not stored again.</summary>
    /// <param name="drafts">The memories.</param>
    /// <param name="cancellationToken">Cancels before the commit.</param>
    /// <returns>One result per draft, in order.</returns>
    Task<IReadOnlyList<StoreResult>> AddAsync(IReadOnlyList<MemoryDraft> drafts, CancellationToken cancellationToken = default);

    /// <summary>The id of the memory whose text is <paramref name="text"/> (exactly), or null.</summary>
    /// <param name="text">The text, trimmed as stored.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The id, or null.</returns>
    Task<long?> FindByTextAsync(string text, CancellationToken cancellationToken = default);

    /// <summary>Deletes a memory.</summary>
    /// <param name="id">Its id.</param>
    /// <param name="cancellationToken">Cancels before the commit.</param>
    /// <returns>False when no memory has that id.</returns>
    Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>The memories with these ids (those that exist), in no particular order.</summary>
    /// <param name="ids">The ids.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The records.</returns>
    Task<IReadOnlyList<MemoryRecord>> GetAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default);

    /// <summary>The most recently stored memories, newest first, optionally only those with <paramref name="tag"/>.</summary>
    /// <param name="limit">How many at most; at least 1.</param>
    /// <param name="tag">Only memories with this tag; null for all.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The records.</returns>
    Task<IReadOnlyList<MemoryRecord>> ListRecentAsync(int limit, string? tag, CancellationToken cancellationToken = default);

    /// <summary>How many memories there are, or how many carry <paramref name="tag"/>.</summary>
    /// <param name="tag">A tag; null for all.</param>
    /// <param name="cancellationToken">Cancels the count.</param>
    /// <returns>The count.</returns>
    Task<long> CountAsync(string? tag = null, CancellationToken cancellationToken = default);

    /// <summary>The ids of the memories that carry every one of <paramref name="tags"/>.</summary>
    /// <param name="tags">One or more tags.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The ids.</returns>
    Task<IReadOnlySet<long>> IdsWithAllTagsAsync(IReadOnlyList<string> tags, CancellationToken cancellationToken = default);

    /// <summary>Every memory's id and embedding, in id order, streamed (the index is rebuilt from them).</summary>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The vectors.</returns>
    IAsyncEnumerable<StoredVector> ReadVectorsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Records how often recall requests were asked since the last save: the counts stored already
    /// are halved (so old habits fade), these are added, and only the <see cref="FrequentQuery.MaxKept"/>
    /// most frequent are kept. The default does nothing (a store that keeps no queries).
    /// </summary>
    /// <param name="queries">Requests and how often each was asked since the last save.</param>
    /// <param name="cancellationToken">Cancels before the commit.</param>
    /// <returns>A task that completes when the counts are durable.</returns>
    Task SaveFrequentQueriesAsync(IReadOnlyList<FrequentQuery> queries, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>The most frequent recall requests saved, most frequent first. The default returns none.</summary>
    /// <param name="limit">How many at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The requests and their aged counts.</returns>
    Task<IReadOnlyList<FrequentQuery>> FrequentQueriesAsync(int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<FrequentQuery>>([]);
}
