namespace CortexHybrid.Caching;

/// <summary>
/// Level 1 reads without a lock on the hit path: a hit records its entry in a ring buffer, and
/// the recorded reads are applied to the level 1 policy (recency order, and for W-TinyLFU its
/// frequency sketch), in the order they happened, under the lock:
/// every <see cref="DrainInterval"/> reads (when the lock is free) and before every change to level
/// 1. One thread's reads are therefore all applied, in order, before any eviction: under
/// <see cref="CachePolicy.Lru"/> level 1 is an exact LRU. Under contention a read can be lost (two threads write the same slot, or the buffer
/// wraps before a drain), which only makes the order slightly less exact (Caffeine's read buffers
/// make the same trade). A lock per hit cost about 16 ns here, about half the price of the
/// <see cref="Microsoft.Extensions.Caching.Memory.MemoryCache"/> lookup it follows.
/// </summary>
public sealed partial class TieredCache
{
    private const int ReadBufferSize = 256;
    private const int DrainInterval = 64;

    private readonly CacheEntry?[] _reads = new CacheEntry?[ReadBufferSize];

    /// <summary>Reads recorded; incremented without an interlock on purpose (a lost increment loses one read).</summary>
    private int _readCount;

    /// <summary>Reads applied so far. Under <c>_sync</c>.</summary>
    private int _readsApplied;

    private void RecordRead(CacheEntry entry)
    {
        int read = _readCount;
        _readCount = read + 1;
        _reads[read & (ReadBufferSize - 1)] = entry;
        if ((read & (DrainInterval - 1)) == DrainInterval - 1 && _sync.TryEnter())
        {
            try
            {
                ApplyReadsLocked();
            }
            finally
            {
                _sync.Exit();
            }
        }
    }

    /// <summary>Moves every recorded read's entry (still in level 1) to the front, oldest read first.</summary>
    private void ApplyReadsLocked()
    {
        int end = Volatile.Read(ref _readCount);
        int start = _readsApplied;
        if (unchecked(end - start) > ReadBufferSize || unchecked(end - start) < 0)
        {
            start = unchecked(end - ReadBufferSize); // the oldest were overwritten
        }

        for (int read = start; read != end; read = unchecked(read + 1))
        {
            ref CacheEntry? slot = ref _reads[read & (ReadBufferSize - 1)];
            CacheEntry? entry = slot;
            slot = null;
            if (entry is { Level: CacheLevel.Level1 })
            {
                _level1Policy.OnRead(entry);
            }
        }

        _readsApplied = end;
    }
}
