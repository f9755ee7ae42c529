namespace CortexHybrid.Memory.Stores;

/// <summary>Settings of a <see cref="SqliteMemoryStore"/>.</summary>
public sealed class SqliteMemoryStoreOptions
{
    /// <summary>The most read connections open at once (reads beyond wait for one). From 1 to 64; 4 by default.</summary>
    public int ReadConnections { get; set; } = 4;

    /// <summary>
    /// How long a statement waits for a lock another connection holds before it fails with
    /// <c>SQLITE_BUSY</c> (SQLite's <c>busy_timeout</c>). Rare in WAL mode, where readers never
    /// block the writer. From 1 ms to 10 min; 5 s by default.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a read waits for a free read connection before it fails with
    /// <see cref="CortexHybrid.Pooling.PoolExhaustedException"/>. Positive, or
    /// <see cref="Timeout.InfiniteTimeSpan"/>; 30 s by default.
    /// </summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A copy, checked, so later changes to these options change nothing.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    internal SqliteMemoryStoreOptions Validated()
    {
        if (ReadConnections is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(ReadConnections), ReadConnections, "ReadConnections must be from 1 to 64.");
        }

        if (BusyTimeout < TimeSpan.FromMilliseconds(1) || BusyTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, "BusyTimeout must be from 1 ms to 10 min.");
        }

        if (ReadTimeout <= TimeSpan.Zero && ReadTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(ReadTimeout), ReadTimeout, "ReadTimeout must be positive, or Timeout.InfiniteTimeSpan.");
        }

        return (SqliteMemoryStoreOptions)MemberwiseClone();
    }
}
