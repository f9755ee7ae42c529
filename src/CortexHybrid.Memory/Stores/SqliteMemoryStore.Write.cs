namespace CortexHybrid.Memory.Stores;

public sealed partial class SqliteMemoryStore
{
    /// <inheritdoc />
    /// <remarks>
    /// One transaction of prepared statements, made once per store: the texts' SHA-256 decides
    /// what is stored already. Completes once the commit is flushed to disk.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="drafts"/> is null.</exception>
    /// <exception cref="ArgumentException">A draft is null, or its vector's length is not the model's dimension; nothing was stored.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the commit; nothing was stored.</exception>
    public async Task<IReadOnlyList<StoreResult>> AddAsync(IReadOnlyList<MemoryDraft> drafts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        int dimensions = Current().Model.Dimensions;
        for (int i = 0; i < drafts.Count; i++)
        {
            MemoryDraft? draft = drafts[i];
            if (draft is null)
            {
                throw new ArgumentException($"Draft {i} is null.", nameof(drafts));
            }

            if (draft.Vector.Length != dimensions)
            {
                throw new ArgumentException($"Draft {i} has a vector of {draft.Vector.Length} values; the store's model has {dimensions} dimensions.", nameof(drafts));
            }
        }

        if (drafts.Count == 0)
        {
            return [];
        }

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return Current().Writer.Add(drafts, cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <inheritdoc />
    /// <remarks>The memory's tags go with it. Completes once the commit is flushed to disk; its id is never given again.</remarks>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the commit; nothing was deleted.</exception>
    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        _ = Current();
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return Current().Writer.Delete(id, cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
