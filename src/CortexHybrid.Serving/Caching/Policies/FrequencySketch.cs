using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CortexHybrid.Caching.Policies;

/// <summary>
/// A count-min sketch of 4-bit counters estimating how often each key was seen recently, with
/// periodic aging (Caffeine's FrequencySketch): a key's estimate is the least of its four counters;
/// once <see cref="SampleSize"/> increments have been counted every counter is halved, so old
/// popularity fades. Sixteen counters share a 64-bit word; a key's four counters sit in four words
/// (one per hash), in the same quarter of each. Not thread-safe.
/// </summary>
internal sealed class FrequencySketch
{
    /// <summary>The largest value a counter holds.</summary>
    public const int MaxFrequency = 15;

    private const ulong ResetMask = 0x7777_7777_7777_7777UL;
    private const ulong OneMask = 0x1111_1111_1111_1111UL;

    // The four hash seeds (Caffeine's), one per counter of a key.
    private const ulong Seed0 = 0xc3a5c85c97cb3127UL;
    private const ulong Seed1 = 0xb492b66fbe98f273UL;
    private const ulong Seed2 = 0x9ae16a3b2f90404fUL;
    private const ulong Seed3 = 0xcbf29ce484222325UL;

    private readonly ulong[] _table;
    private readonly int _tableMask;

    /// <summary>A sketch for a cache of <paramref name="capacity"/> entries: 16 counters per entry, aged every 10 × capacity increments.</summary>
    public FrequencySketch(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        int words = (int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, 8)), 1u << 30);
        _table = new ulong[words];
        _tableMask = words - 1;
        SampleSize = capacity >= int.MaxValue / 10 ? int.MaxValue : 10 * capacity;
    }

    /// <summary>Increments counted since the last halving.</summary>
    public int Size { get; private set; }

    /// <summary>How many increments trigger a halving of every counter.</summary>
    public int SampleSize { get; }

    /// <summary>How many times the counters were halved.</summary>
    public long Resets { get; private set; }

    /// <summary>The estimated recent frequency of the key with hash <paramref name="hash"/>, 0 to <see cref="MaxFrequency"/>.</summary>
    public int Frequency(int hash)
    {
        int spread = Spread(hash);
        int start = (spread & 3) << 2;
        ref ulong table = ref MemoryMarshal.GetArrayDataReference(_table);
        int frequency = Counter(ref table, IndexOf(spread, Seed0), start);
        frequency = Math.Min(frequency, Counter(ref table, IndexOf(spread, Seed1), start + 1));
        frequency = Math.Min(frequency, Counter(ref table, IndexOf(spread, Seed2), start + 2));
        return Math.Min(frequency, Counter(ref table, IndexOf(spread, Seed3), start + 3));
    }

    /// <summary>Counts one occurrence of the key with hash <paramref name="hash"/>; halves every counter when the sample is full.</summary>
    /// <remarks>
    /// On every level 1 hit (through the read buffer's drain), so the four probes are unrolled with
    /// the seeds as constants and the table read without bounds checks: every index is masked to the
    /// table's power-of-two length.
    /// </remarks>
    public void Increment(int hash)
    {
        int spread = Spread(hash);
        int start = (spread & 3) << 2;
        ref ulong table = ref MemoryMarshal.GetArrayDataReference(_table);
        bool added = IncrementAt(ref table, IndexOf(spread, Seed0), start);
        added |= IncrementAt(ref table, IndexOf(spread, Seed1), start + 1);
        added |= IncrementAt(ref table, IndexOf(spread, Seed2), start + 2);
        added |= IncrementAt(ref table, IndexOf(spread, Seed3), start + 3);
        if (added && ++Size >= SampleSize)
        {
            Reset();
        }
    }

    /// <summary>Sets every counter to zero.</summary>
    public void Clear()
    {
        Array.Clear(_table);
        Size = 0;
    }

    /// <summary>Halves every counter (aging); the sample size shrinks accordingly, rounding for the odd counters dropped.</summary>
    public void Reset()
    {
        int odd = 0;
        for (int i = 0; i < _table.Length; i++)
        {
            odd += BitOperations.PopCount(_table[i] & OneMask);
            _table[i] = (_table[i] >> 1) & ResetMask;
        }

        Size = (Size - (odd >> 2)) >> 1;
        Resets++;
    }

    private static int Counter(ref ulong table, int index, int counter) =>
        (int)((Unsafe.Add(ref table, index) >> (counter << 2)) & 0xF);

    private static bool IncrementAt(ref ulong table, int index, int counter)
    {
        int offset = counter << 2;
        ulong mask = 0xFUL << offset;
        ref ulong word = ref Unsafe.Add(ref table, index);
        if ((word & mask) != mask)
        {
            word += 1UL << offset;
            return true;
        }

        return false;
    }

    private int IndexOf(int item, ulong seed)
    {
        ulong hash = unchecked(((ulong)(uint)item + seed) * seed);
        hash += hash >> 32;
        int index = (int)hash & _tableMask;
        Debug.Assert((uint)index < (uint)_table.Length, "The mask keeps every index inside the table.");
        return index;
    }

    /// <summary>A supplemental hash against poor key hashes (Caffeine's spread).</summary>
    private static int Spread(int x)
    {
        uint h = (uint)x;
        h = ((h >> 16) ^ h) * 0x45d9f3b;
        h = ((h >> 16) ^ h) * 0x45d9f3b;
        return (int)((h >> 16) ^ h);
    }
}
