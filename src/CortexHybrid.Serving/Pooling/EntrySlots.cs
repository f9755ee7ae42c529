using System.Diagnostics.CodeAnalysis;

namespace CortexHybrid.Pooling;

/// <summary>
/// A fixed set of slots filled and emptied by compare-and-swap: the pool's idle resources and its
/// registry of every live one. Taking scans from slot 0, so the low slots are reused and the high
/// ones stay idle long enough for the idle timeout to retire them.
/// </summary>
/// <remarks>
/// Lock-free and allocation-free, with one compare-and-swap per take or add and no shared count
/// beside it (a second interlocked operation per call was a third of the pool's fast path). The
/// capacity is the pool's <c>MaxSize</c>, which the pool never exceeds, so <see cref="Add"/> always
/// finds a slot.
/// </remarks>
internal sealed class EntrySlots<TItem>
    where TItem : class
{
    private readonly TItem?[] _slots;

    public EntrySlots(int capacity) => _slots = new TItem?[capacity];

    /// <summary>Items in the slots, counted by a scan (for statistics; exact once concurrent adds and takes have finished).</summary>
    public int Count
    {
        get
        {
            int count = 0;
            for (int i = 0; i < _slots.Length; i++)
            {
                if (Volatile.Read(ref _slots[i]) is not null)
                {
                    count++;
                }
            }

            return count;
        }
    }

    /// <summary>Takes any item, preferring low slots.</summary>
    public bool TryTake([NotNullWhen(true)] out TItem? item)
    {
        TItem?[] slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            TItem? candidate = Volatile.Read(ref slots[i]);
            if (candidate is not null && Interlocked.CompareExchange(ref slots[i], null, candidate) == candidate)
            {
                item = candidate;
                return true;
            }
        }

        item = null;
        return false;
    }

    /// <summary>Puts an item in the lowest free slot and returns that slot's index.</summary>
    public int Add(TItem item)
    {
        TItem?[] slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            // The compare-and-swap is a full fence: a read after it (the pool's check for waiters)
            // cannot move before the store, which the hand-off between returns and waiters relies on.
            if (Volatile.Read(ref slots[i]) is null && Interlocked.CompareExchange(ref slots[i], item, null) is null)
            {
                return i;
            }
        }

        throw new InvalidOperationException("Internal error: the pool held more resources than its MaxSize.");
    }

    /// <summary>Removes <paramref name="item"/> from the slot <see cref="Add"/> put it in, if it is still there.</summary>
    public bool TryRemove(int index, TItem item)
    {
        return Interlocked.CompareExchange(ref _slots[index], null, item) == item;
    }

    /// <summary>The items present now (a snapshot; allocates).</summary>
    public List<TItem> Snapshot()
    {
        var items = new List<TItem>(Count);
        for (int i = 0; i < _slots.Length; i++)
        {
            if (Volatile.Read(ref _slots[i]) is TItem item)
            {
                items.Add(item);
            }
        }

        return items;
    }
}
