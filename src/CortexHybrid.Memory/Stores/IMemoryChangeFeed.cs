namespace CortexHybrid.Memory.Stores;

/// <summary>
/// The writes committed to a shared store of record by any instance, in commit order: what an
/// instance's in-memory index replica applies to stay in step with the store.
/// </summary>
/// <remarks>
/// <para>
/// A store shared by several instances implements it beside <see cref="IMemoryStore"/>
/// (<see cref="PostgresMemoryStore"/> does; the embedded <see cref="SqliteMemoryStore"/>, used by one
/// instance at a time, does not). Every write transaction appends its changes to the store's change
/// log under increasing sequence numbers and commits them with the write; the feed reads the log
/// after the last sequence it yielded, so nothing is missed or yielded twice, whether it was woken
/// by a notification, by its poll, or by a reconnection after the server was lost.
/// </para>
/// <para>
/// A replica is rebuilt and kept in step like this: read <see cref="ReadLastSequenceAsync"/>, then
/// <see cref="IMemoryStore.ReadVectorsAsync"/>, then apply <see cref="ChangesAsync"/> from that
/// sequence on. The vectors read are not a snapshot, so the first changes may repeat what the read
/// saw: apply them idempotently (an add of an id already held is skipped, a delete of an id not held
/// is ignored). The instance's own writes come back through the feed as well, and are skipped the
/// same way.
/// </para>
/// </remarks>
public interface IMemoryChangeFeed
{
    /// <summary>The sequence number of the last change committed, read from the store now; 0 when there is none.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The sequence number.</returns>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    Task<long> ReadLastSequenceAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Every change with a sequence number above <paramref name="afterSequence"/>, in order, the
    /// committed ones first, then each new one soon after its commit; endless until cancelled or the
    /// store is disposed (then it ends).
    /// </summary>
    /// <param name="afterSequence">The last sequence number already applied: 0 for all, or one read from <see cref="ReadLastSequenceAsync"/>.</param>
    /// <param name="cancellationToken">Stops the feed (with <see cref="OperationCanceledException"/>).</param>
    /// <returns>The changes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterSequence"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <remarks>
    /// A lost connection is not an error of the feed: it waits (with a growing delay) and reconnects,
    /// then reads everything after the last change it yielded. Each enumeration holds a connection of
    /// its own.
    /// </remarks>
    IAsyncEnumerable<MemoryChange> ChangesAsync(long afterSequence, CancellationToken cancellationToken = default);
}
