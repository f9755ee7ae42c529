namespace CortexHybrid.Memory.Stores;

/// <summary>
/// A store was opened with another embedding model than the one its vectors come from. Nothing in
/// the store is changed: use the model it was built with, or another store.
/// </summary>
public sealed class MemoryStoreModelMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="store">The store, as it describes itself (a path, a redacted connection string).</param>
    /// <param name="stored">The model the store was built with.</param>
    /// <param name="requested">The model it was opened with.</param>
    public MemoryStoreModelMismatchException(string store, EmbeddingModel stored, EmbeddingModel requested)
        : base($"The memory store {store} holds embeddings of {stored}; this server embeds with {requested}. Nothing was changed: open it with {stored.Id}, or use another store.")
    {
        Store = store;
        Stored = stored;
        Requested = requested;
    }

    /// <summary>The store, as it describes itself.</summary>
    public string Store { get; }

    /// <summary>The model the store was built with.</summary>
    public EmbeddingModel Stored { get; }

    /// <summary>The model it was opened with.</summary>
    public EmbeddingModel Requested { get; }
}
