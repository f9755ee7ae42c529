using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CortexHybrid.Search;

/// <summary>
/// One bit per element of every row (set where the element is above zero), row after row in whole
/// 64-bit words, for <see cref="VectorIndex.SignPrefilter"/>: the Hamming distance between a row's
/// bits and a query's estimates the angle between them, at 1/32 of the bytes of the float row.
/// Bits past the dimension are zero in rows and queries alike, so they never count.
/// Not thread-safe: <see cref="VectorIndex"/> writes under its write lock and reads under its read lock.
/// </summary>
internal sealed class SignBits
{
    private ulong[] _words;

    /// <summary>Bits for rows of <paramref name="dimension"/> elements, room for <paramref name="capacity"/> of them.</summary>
    public SignBits(int dimension, int capacity)
    {
        Dimension = dimension;
        WordsPerRow = (dimension + 63) / 64;
        _words = new ulong[(long)Math.Max(capacity, 1) * WordsPerRow];
    }

    public int Dimension { get; }

    public int WordsPerRow { get; }

    /// <summary>Bytes held.</summary>
    public long AllocatedBytes => (long)_words.Length * sizeof(ulong);

    /// <summary>The words of row <paramref name="position"/>, growing the table by a quarter when it is past the end.</summary>
    public Span<ulong> RowForWrite(int position)
    {
        long needed = ((long)position + 1) * WordsPerRow;
        if (needed > _words.Length)
        {
            Array.Resize(ref _words, (int)Math.Min(Array.MaxLength, Math.Max(needed, _words.Length + (_words.Length / 4) + WordsPerRow)));
        }

        return _words.AsSpan(position * WordsPerRow, WordsPerRow);
    }

    /// <summary>Moves row <paramref name="from"/>'s bits to <paramref name="to"/> (a swap-remove).</summary>
    public void Move(int from, int to) =>
        _words.AsSpan(from * WordsPerRow, WordsPerRow).CopyTo(_words.AsSpan(to * WordsPerRow, WordsPerRow));

    /// <summary>Writes the bits of float elements into <paramref name="target"/>.</summary>
    public static void FromSingle(ReadOnlySpan<float> values, Span<ulong> target)
    {
        target.Clear();
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] > 0)
            {
                target[i >> 6] |= 1UL << (i & 63);
            }
        }
    }

    /// <summary>Writes the bits of int8 codes (above zero) into <paramref name="target"/>.</summary>
    public static void FromInt8(ReadOnlySpan<sbyte> codes, Span<ulong> target)
    {
        target.Clear();
        for (int i = 0; i < codes.Length; i++)
        {
            if (codes[i] > 0)
            {
                target[i >> 6] |= 1UL << (i & 63);
            }
        }
    }

    /// <summary>Writes the bits of bfloat16 codes (positive and not zero) into <paramref name="target"/>.</summary>
    public static void FromBFloat16(ReadOnlySpan<ushort> codes, Span<ulong> target)
    {
        target.Clear();
        for (int i = 0; i < codes.Length; i++)
        {
            if (codes[i] is > 0 and < 0x8000)
            {
                target[i >> 6] |= 1UL << (i & 63);
            }
        }
    }

    /// <summary>
    /// Writes the Hamming distance between <paramref name="query"/> and each of rows
    /// [<paramref name="start"/>, <paramref name="start"/> + <paramref name="distances"/>.Length)
    /// into <paramref name="distances"/>, and counts each distance in <paramref name="histogram"/>
    /// (<see cref="Dimension"/> + 1 counters).
    /// </summary>
    public void Distances(ReadOnlySpan<ulong> query, int start, Span<int> distances, Span<int> histogram)
    {
        Debug.Assert(query.Length == WordsPerRow && histogram.Length == Dimension + 1);
        Debug.Assert(((long)start + distances.Length) * WordsPerRow <= _words.Length);
        int words = WordsPerRow;
        ref ulong q = ref MemoryMarshal.GetReference(query);
        ref ulong row = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_words), (nint)start * words);
        ref int counts = ref MemoryMarshal.GetReference(histogram);
        for (int r = 0; r < distances.Length; r++)
        {
            int distance = 0;
            for (int w = 0; w < words; w++)
            {
                distance += BitOperations.PopCount(Unsafe.Add(ref row, w) ^ Unsafe.Add(ref q, w));
            }

            distances[r] = distance;
            Unsafe.Add(ref counts, distance)++;
            row = ref Unsafe.Add(ref row, words);
        }
    }
}
