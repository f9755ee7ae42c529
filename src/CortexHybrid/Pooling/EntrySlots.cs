using System.Diagnostics.CodeAnalysis;

namespace CortexHybrid.Pooling;

/// <summary>
/// A fixed set of slots filled and emptied by compare-and-swap: the pool's idle resources and its
/// registry of every live one. Taking scans from slot 0, so the low slots are reused and the high
/// ones stay idle long enough for the idle timeout to retire them.
/// </summary>
/// <remarks>
/// Lock-free and allocation-free. The capacity is the pool's <c>MaxSize</c>, which the pool never
/// exceeds, so <see cref="Add"/> always finds a slot.
/// </remarks>
internal sealed class EntrySlots<TItem>
    where TItem : class
{
    private readonly TItem?[] _slots;
    private int _count;

    public EntrySlots(int capacity) => _slots = new TItem?[capacity];

    /// <summary>Items in the slots (exact once concurrent adds and takes have finished).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Takes any item, preferring low slots.</summary>
    public bool TryTake([NotNullWhen(true)] out TItem? item)
    {
        if (Volatile.Read(ref _count) > 0)
        {
            TItem?[] slots = _slots;
            for (int i = 0; i < slots.Length; i++)
            {
                TItem? candidate = Volatile.Read(ref slots[i]);
                if (candidate is not null && Interlocked.CompareExchange(ref slots[i], null, candidate) == candidate)
                {
                    Interlocked.Decrement(ref _count);
                    item = candidate;
                    return true;
                }
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
            if (Volatile.Read(ref slots[i]) is null && Interlocked.CompareExchange(ref slots[i], item, null) is null)
            {
                // Full fence after the store: a thread that then reads Count sees this item (the
                // pool's hand-off between returns and waiters relies on it).
                Interlocked.Increment(ref _count);
                return i;
            }
        }

        throw new InvalidOperationException("Internal error: the pool held more resources than its MaxSize.");
    }

    /// <summary>Removes <paramref name="item"/> from the slot <see cref="Add"/> put it in, if it is still there.</summary>
    public bool TryRemove(int index, TItem item)
    {
        if (Interlocked.CompareExchange(ref _slots[index], null, item) == item)
        {
            Interlocked.Decrement(ref _count);
            return true;
        }

        return false;
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
