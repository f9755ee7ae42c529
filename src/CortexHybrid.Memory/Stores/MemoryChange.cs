namespace CortexHybrid.Memory.Stores;

/// <summary>One committed write to a shared store, as an <see cref="IMemoryChangeFeed"/> yields it.</summary>
/// <param name="Sequence">
/// Its place in the store's change log: positive, increasing in commit order, never reused; not
/// contiguous (a rolled-back write or a text already stored leaves a gap).
/// </param>
/// <param name="Kind">Whether a memory was added or deleted.</param>
/// <param name="Id">The memory's id.</param>
/// <param name="Vector">
/// For <see cref="MemoryChangeKind.Added"/>, the memory's embedding; null for
/// <see cref="MemoryChangeKind.Deleted"/>, and for an add whose memory was deleted before the feed
/// read it (that delete follows later in the feed).
/// </param>
/// <param name="At">When the writing transaction began, by the database server's clock.</param>
public sealed record MemoryChange(long Sequence, MemoryChangeKind Kind, long Id, float[]? Vector, DateTimeOffset At);
