using System.Numerics;

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

    private static readonly ulong[] Seeds = [0xc3a5c85c97cb3127UL, 0xb492b66fbe98f273UL, 0x9ae16a3b2f90404fUL, 0xcbf29ce484222325UL];

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
        int frequency = MaxFrequency;
        for (int i = 0; i < 4; i++)
        {
            int index = IndexOf(spread, i);
            int count = (int)((_table[index] >> ((start + i) << 2)) & 0xF);
            frequency = Math.Min(frequency, count);
        }

        return frequency;
    }

    /// <summary>Counts one occurrence of the key with hash <paramref name="hash"/>; halves every counter when the sample is full.</summary>
    public void Increment(int hash)
    {
        int spread = Spread(hash);
        int start = (spread & 3) << 2;
        bool added = false;
        for (int i = 0; i < 4; i++)
        {
            added |= IncrementAt(IndexOf(spread, i), start + i);
        }

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

    private bool IncrementAt(int index, int counter)
    {
        int offset = counter << 2;
        ulong mask = 0xFUL << offset;
        if ((_table[index] & mask) != mask)
        {
            _table[index] += 1UL << offset;
            return true;
        }

        return false;
    }

    private int IndexOf(int item, int i)
    {
        ulong hash = unchecked(((ulong)(uint)item + Seeds[i]) * Seeds[i]);
        hash += hash >> 32;
        return (int)hash & _tableMask;
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
