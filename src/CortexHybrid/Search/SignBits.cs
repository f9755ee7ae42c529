using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CortexHybrid.Search;

/// <summary>
/// One bit per element of every row (set where the element is above zero), for
/// <see cref="VectorIndex.SignPrefilter"/>: the Hamming distance between a row's bits and a
/// query's estimates the angle between them, at 1/32 of the bytes of the float row.
/// <para>
/// Rows are kept in blocks of <see cref="BlockRows"/>: word <c>w</c> of the eight rows of a block
/// lie side by side, so one 512-bit load holds that word of eight rows and the popcount of each
/// 64-bit lane is one row's count: the scan sums eight rows at once with no horizontal reduction.
/// Bits past the dimension are zero in rows and queries alike, so they never count.
/// </para>
/// Not thread-safe: <see cref="VectorIndex"/> writes under its write lock and reads under its read lock.
/// </summary>
internal sealed class SignBits
{
    /// <summary>Rows per block: the 64-bit lanes of a 512-bit vector.</summary>
    public const int BlockRows = 8;

    private ulong[] _words;

    /// <summary>Bits for rows of <paramref name="dimension"/> elements, room for <paramref name="capacity"/> of them.</summary>
    public SignBits(int dimension, int capacity)
    {
        Dimension = dimension;
        WordsPerRow = (dimension + 63) / 64;
        _words = new ulong[BlockWords * Blocks(Math.Max(capacity, 1))];
    }

    /// <summary>Elements per row.</summary>
    public int Dimension { get; }

    /// <summary>64-bit words per row.</summary>
    public int WordsPerRow { get; }

    /// <summary>Bytes held.</summary>
    public long AllocatedBytes => (long)_words.Length * sizeof(ulong);

    private int BlockWords => WordsPerRow * BlockRows;

    /// <summary>The blocks that hold <paramref name="rows"/> rows.</summary>
    public static int Blocks(int rows) => (rows + BlockRows - 1) / BlockRows;

    /// <summary>Stores <paramref name="bits"/> (<see cref="WordsPerRow"/> words) as row <paramref name="position"/>, growing the table by a quarter when it is past the end.</summary>
    public void Write(int position, ReadOnlySpan<ulong> bits)
    {
        Debug.Assert(bits.Length == WordsPerRow);
        long needed = (long)BlockWords * Blocks(position + 1);
        if (needed > _words.Length)
        {
            long grown = Math.Max(needed, _words.Length + (_words.Length / 4 / BlockWords * BlockWords) + BlockWords);
            Array.Resize(ref _words, (int)Math.Min(Array.MaxLength / BlockWords * BlockWords, grown));
        }

        for (int w = 0; w < bits.Length; w++)
        {
            _words[Index(position, w)] = bits[w];
        }
    }

    /// <summary>Moves row <paramref name="from"/>'s bits to <paramref name="to"/> (a swap-remove).</summary>
    public void Move(int from, int to)
    {
        for (int w = 0; w < WordsPerRow; w++)
        {
            _words[Index(to, w)] = _words[Index(from, w)];
        }
    }

    /// <summary>Word <paramref name="word"/> of row <paramref name="position"/>, for tests.</summary>
    internal ulong Word(int position, int word) => _words[Index(position, word)];

    private int Index(int position, int word) =>
        (((position / BlockRows * WordsPerRow) + word) * BlockRows) + (position % BlockRows);

    /// <summary>Writes the bits of float elements (above zero) into <paramref name="target"/>.</summary>
    public static void FromSingle(ReadOnlySpan<float> values, Span<ulong> target)
    {
        target.Clear();
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float first = ref MemoryMarshal.GetReference(values);
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                uint above = Vector256.GreaterThan(Vector256.LoadUnsafe(ref first, (nuint)i), Vector256<float>.Zero).ExtractMostSignificantBits();
                target[i >> 6] |= (ulong)above << (i & 63);
            }
        }

        for (; i < values.Length; i++)
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
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref sbyte first = ref MemoryMarshal.GetReference(codes);
            for (; i <= codes.Length - Vector256<sbyte>.Count; i += Vector256<sbyte>.Count)
            {
                uint above = Vector256.GreaterThan(Vector256.LoadUnsafe(ref first, (nuint)i), Vector256<sbyte>.Zero).ExtractMostSignificantBits();
                target[i >> 6] |= (ulong)above << (i & 63);
            }
        }

        for (; i < codes.Length; i++)
        {
            if (codes[i] > 0)
            {
                target[i >> 6] |= 1UL << (i & 63);
            }
        }
    }

    /// <summary>Writes the bits of bfloat16 codes (positive and not zero: 0x0001 to 0x7FFF) into <paramref name="target"/>.</summary>
    public static void FromBFloat16(ReadOnlySpan<ushort> codes, Span<ulong> target)
    {
        target.Clear();
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // code - 1 wraps 0 to 0xFFFF, so one unsigned compare keeps exactly 0x0001 to 0x7FFF.
            ref ushort first = ref MemoryMarshal.GetReference(codes);
            for (; i <= codes.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                Vector256<ushort> below = Vector256.LoadUnsafe(ref first, (nuint)i) - Vector256<ushort>.One;
                uint above = Vector256.LessThan(below, Vector256.Create((ushort)0x7FFF)).ExtractMostSignificantBits();
                target[i >> 6] |= (ulong)above << (i & 63);
            }
        }

        for (; i < codes.Length; i++)
        {
            if (codes[i] is > 0 and < 0x8000)
            {
                target[i >> 6] |= 1UL << (i & 63);
            }
        }
    }

    /// <summary>The widest scan this CPU runs.</summary>
    public static SignScanWidth BestWidth =>
        Avx512BW.IsSupported ? SignScanWidth.Vector512 : Avx2.IsSupported ? SignScanWidth.Vector256 : SignScanWidth.Scalar;

    /// <summary>
    /// Offers each of rows [<paramref name="start"/>, <paramref name="end"/>) whose Hamming
    /// distance to <paramref name="query"/> is below the selection's threshold to
    /// <paramref name="selection"/>, in row order. <paramref name="start"/> is a multiple of
    /// <see cref="BlockRows"/>; <paramref name="width"/> is one this CPU runs.
    /// </summary>
    public void Scan(ReadOnlySpan<ulong> query, int start, int end, SignSelection selection, SignScanWidth width)
    {
        Debug.Assert(query.Length == WordsPerRow && start % BlockRows == 0 && start <= end);
        Debug.Assert((long)Blocks(end) * BlockWords <= _words.Length);
        switch (width)
        {
            case SignScanWidth.Vector512:
                Debug.Assert(Avx512BW.IsSupported);
                Scan512(query, start, end, selection);
                break;
            case SignScanWidth.Vector256:
                Debug.Assert(Avx2.IsSupported);
                Scan256(query, start, end, selection);
                break;
            default:
                ScanScalar(query, start, end, selection);
                break;
        }
    }

    private void ScanScalar(ReadOnlySpan<ulong> query, int start, int end, SignSelection selection)
    {
        int words = WordsPerRow;
        for (int position = start; position < end; position++)
        {
            int distance = 0;
            for (int w = 0; w < words; w++)
            {
                distance += BitOperations.PopCount(_words[Index(position, w)] ^ query[w]);
            }

            if (distance < selection.Threshold)
            {
                selection.Offer(position, distance);
            }
        }
    }

    // A byte's popcount is the sum of its nibbles' counts, looked up 16 at a time with vpshufb;
    // vpsadbw then sums the eight bytes of each 64-bit lane, that is, of each row. A byte count is
    // at most 8 per word, so the byte accumulators are summed out every 31 words, before 255.
    private const int WordsPerByteSum = 31;

    private void Scan512(ReadOnlySpan<ulong> query, int start, int end, SignSelection selection)
    {
        int words = WordsPerRow;
        Vector512<byte> nibbleCounts = Vector512.Create(Vector256.Create(Nibbles128, Nibbles128), Vector256.Create(Nibbles128, Nibbles128));
        Vector512<byte> lowNibbles = Vector512.Create((byte)0x0F);
        ref ulong block = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_words), (nint)(start / BlockRows) * BlockWords);
        ref ulong q = ref MemoryMarshal.GetReference(query);
        for (int first = start; first < end; first += BlockRows)
        {
            Vector512<ulong> sums = Vector512<ulong>.Zero;
            for (int w0 = 0; w0 < words; w0 += WordsPerByteSum)
            {
                Vector512<byte> counts = Vector512<byte>.Zero;
                int last = Math.Min(words, w0 + WordsPerByteSum);
                for (int w = w0; w < last; w++)
                {
                    Vector512<byte> x = (Vector512.LoadUnsafe(ref block, (nuint)(w * BlockRows)) ^ Vector512.Create(Unsafe.Add(ref q, w))).AsByte();
                    counts += Avx512BW.Shuffle(nibbleCounts, x & lowNibbles)
                        + Avx512BW.Shuffle(nibbleCounts, Vector512.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & lowNibbles);
                }

                sums += Avx512BW.SumAbsoluteDifferences(counts, Vector512<byte>.Zero).AsUInt64();
            }

            Offer(sums, first, end, selection);
            block = ref Unsafe.Add(ref block, BlockWords);
        }
    }

    private void Scan256(ReadOnlySpan<ulong> query, int start, int end, SignSelection selection)
    {
        int words = WordsPerRow;
        Vector256<byte> nibbleCounts = Vector256.Create(Nibbles128, Nibbles128);
        Vector256<byte> lowNibbles = Vector256.Create((byte)0x0F);
        ref ulong block = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_words), (nint)(start / BlockRows) * BlockWords);
        ref ulong q = ref MemoryMarshal.GetReference(query);
        for (int first = start; first < end; first += BlockRows)
        {
            Vector256<ulong> lower = Vector256<ulong>.Zero;
            Vector256<ulong> upper = Vector256<ulong>.Zero;
            for (int w0 = 0; w0 < words; w0 += WordsPerByteSum)
            {
                Vector256<byte> lowerCounts = Vector256<byte>.Zero;
                Vector256<byte> upperCounts = Vector256<byte>.Zero;
                int last = Math.Min(words, w0 + WordsPerByteSum);
                for (int w = w0; w < last; w++)
                {
                    Vector256<byte> queryWord = Vector256.Create(Unsafe.Add(ref q, w)).AsByte();
                    Vector256<byte> x = Vector256.LoadUnsafe(ref block, (nuint)(w * BlockRows)).AsByte() ^ queryWord;
                    Vector256<byte> y = Vector256.LoadUnsafe(ref block, (nuint)((w * BlockRows) + 4)).AsByte() ^ queryWord;
                    lowerCounts += Avx2.Shuffle(nibbleCounts, x & lowNibbles)
                        + Avx2.Shuffle(nibbleCounts, Vector256.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & lowNibbles);
                    upperCounts += Avx2.Shuffle(nibbleCounts, y & lowNibbles)
                        + Avx2.Shuffle(nibbleCounts, Vector256.ShiftRightLogical(y.AsUInt16(), 4).AsByte() & lowNibbles);
                }

                lower += Avx2.SumAbsoluteDifferences(lowerCounts, Vector256<byte>.Zero).AsUInt64();
                upper += Avx2.SumAbsoluteDifferences(upperCounts, Vector256<byte>.Zero).AsUInt64();
            }

            Offer(Vector512.Create(lower, upper), first, end, selection);
            block = ref Unsafe.Add(ref block, BlockWords);
        }
    }

    /// <summary>Offers the rows of one block below the threshold; almost every block has none, so one compare decides.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Offer(Vector512<ulong> distances, int first, int end, SignSelection selection)
    {
        ulong below = Vector512.LessThan(distances, Vector512.Create((ulong)selection.Threshold)).ExtractMostSignificantBits();
        if (end - first < BlockRows)
        {
            below &= (1UL << (end - first)) - 1;
        }

        while (below != 0)
        {
            int lane = BitOperations.TrailingZeroCount(below);
            below &= below - 1;
            int distance = (int)distances.GetElement(lane);
            if (distance < selection.Threshold)
            {
                selection.Offer(first + lane, distance);
            }
        }
    }

    /// <summary>The popcount of each nibble value, the table every 128-bit lane looks up.</summary>
    private static Vector128<byte> Nibbles128 => Vector128.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
}

/// <summary>Which loop <see cref="SignBits.Scan"/> runs: the CPU picks the widest, tests force each.</summary>
internal enum SignScanWidth
{
    /// <summary>One row at a time, <see cref="BitOperations.PopCount(ulong)"/> per word.</summary>
    Scalar,

    /// <summary>Four rows per AVX2 vector, two vectors a block.</summary>
    Vector256,

    /// <summary>A block of eight rows per AVX-512 vector.</summary>
    Vector512,
}
