using System.Diagnostics;
using System.Runtime.Intrinsics.X86;
using System.Runtime.InteropServices;

namespace CortexHybrid.Search;

/// <summary>
/// The rows of a <see cref="VectorIndex"/>: one contiguous, 64-byte aligned native block of
/// <c>capacity x dimension</c> floats (rows back to back, no padding), the ids in a second aligned
/// block, and each row's norm; for quantized storage, a third aligned block of
/// <c>capacity x CodeBytesPerRow</c> codes and each row's bias, and the float block only if
/// full-precision rows are kept. Capacity grows by a quarter and shrinks once a third is unused,
/// so the blocks stay within 1.3x of what the rows need (plus 64 rows of slack).
/// Not thread-safe: <see cref="VectorIndex"/> serializes writers.
/// </summary>
/// <remarks>
/// The blocks are resized with <see cref="NativeMemory.Realloc"/> and aligned within themselves,
/// not with <see cref="NativeMemory.AlignedRealloc"/>, which allocates the new block, copies and
/// frees: for a 150 MB index that holds 340 MB at once. glibc grows a block that large by remapping
/// its pages (<c>mremap</c>), without a copy or a second block; if the aligned start moved within
/// the block, the rows are moved to it. Blocks of 4 MiB and more ask for transparent huge pages
/// (<see cref="HugePages"/>).
/// </remarks>
internal sealed unsafe class RowStore : IDisposable
{
    /// <summary>Rows kept beyond the bound, so a small index does not reallocate on every add.</summary>
    internal const int SlackRows = 64;

    private const nuint Alignment = 64;

    private float* _rows;
    private long* _ids;
    private byte* _codes;
    private void* _rowBlock;
    private void* _idBlock;
    private void* _codeBlock;
    private float[] _norms = [];
    private float[] _bias = [];

    /// <summary>A store of float rows, and of <paramref name="codeBytesPerRow"/> bytes of codes a row if above 0.</summary>
    public RowStore(int dimension, bool floats = true, int codeBytesPerRow = 0)
    {
        Debug.Assert(floats || codeBytesPerRow > 0);
        Dimension = dimension;
        HasFloats = floats;
        CodeBytesPerRow = codeBytesPerRow;
    }

    public int Dimension { get; }

    /// <summary>Whether float rows are kept (always, unless the storage is quantized without full precision).</summary>
    public bool HasFloats { get; }

    /// <summary>Bytes of quantized codes a row (0 for float32 storage).</summary>
    public int CodeBytesPerRow { get; }

    public int Count { get; private set; }

    public int Capacity { get; private set; }

    public float* Rows => _rows;

    public long* Ids => _ids;

    /// <summary>The codes of row 0; row <c>i</c> starts <c>i x CodeBytesPerRow</c> bytes on.</summary>
    public byte* Codes => _codes;

    /// <summary>Bytes held for rows, codes, ids, norms and biases.</summary>
    public long AllocatedBytes => (long)Capacity * ((HasFloats ? Dimension * sizeof(float) : 0) + sizeof(long) + sizeof(float)
        + (CodeBytesPerRow > 0 ? CodeBytesPerRow + sizeof(float) : 0));

    public Span<byte> CodeRow(int index) => new(_codes + ((long)index * CodeBytesPerRow), CodeBytesPerRow);

    /// <summary>The term each row adds to a quantized key (<c>-|r|²</c> for squared Euclidean, else 0).</summary>
    public Span<float> Bias => _bias.AsSpan(0, Count);

    /// <summary>The bias array itself, for pinning (at least <see cref="Count"/> long).</summary>
    public float[] BiasArray => _bias;

    public Span<float> Row(int index) => new(_rows + ((long)index * Dimension), Dimension);

    public long Id(int index) => _ids[index];

    /// <summary>Asks the CPU to bring row <paramref name="index"/>'s codes and id into cache (a hint: nothing happens without SSE).</summary>
    public void PrefetchCodes(int index)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        byte* codes = _codes + ((long)index * CodeBytesPerRow);
        for (int line = 0; line < CodeBytesPerRow; line += 64)
        {
            Sse.Prefetch0(codes + line);
        }

        Sse.Prefetch0(_ids + index);
    }

    public float Norm(int index) => _norms[index];

    /// <summary>The norms of the stored rows (0 where the metric keeps none).</summary>
    public ReadOnlySpan<float> Norms => _norms.AsSpan(0, Count);

    /// <summary>Makes room for <paramref name="additional"/> more rows.</summary>
    public void Reserve(int additional) => EnsureCapacity((long)Count + additional);

    /// <summary>Makes room for <paramref name="needed"/> rows in all.</summary>
    public void EnsureCapacity(long needed)
    {
        if (needed > Array.MaxLength)
        {
            throw new InvalidOperationException($"A VectorIndex holds at most {Array.MaxLength} rows.");
        }

        if (needed > Capacity)
        {
            // A quarter more, not double: geometric (amortized O(1) adds) yet within the 1.3x bound.
            Resize((int)Math.Min(Array.MaxLength, Math.Max(needed, Capacity + (Capacity / 4) + 16)));
        }
    }

    /// <summary>
    /// Appends a row (already normalized if the metric wants it) under <paramref name="id"/>; for
    /// quantized storage, the caller writes its codes and bias at <c>Count - 1</c> next.
    /// </summary>
    public void Append(long id, ReadOnlySpan<float> row, float norm)
    {
        Reserve(1);
        if (HasFloats)
        {
            row.CopyTo(Row(Count));
        }

        _ids[Count] = id;
        _norms[Count] = norm;
        Count++;
    }

    /// <summary>Completes row <paramref name="index"/>, whose floats were written in place (loading): sets its id and norm and counts it.</summary>
    public void Place(int index, long id, float norm)
    {
        _ids[index] = id;
        _norms[index] = norm;
        Count = Math.Max(Count, index + 1);
    }

    /// <summary>Removes the row at <paramref name="index"/> by moving the last row into it; returns the id that moved, or null.</summary>
    public long? RemoveAt(int index)
    {
        int last = Count - 1;
        long? moved = null;
        if (index != last)
        {
            if (HasFloats)
            {
                Row(last).CopyTo(Row(index));
            }

            if (CodeBytesPerRow > 0)
            {
                CodeRow(last).CopyTo(CodeRow(index));
                _bias[index] = _bias[last];
            }

            _ids[index] = _ids[last];
            _norms[index] = _norms[last];
            moved = _ids[index];
        }

        Count--;
        if (Capacity > SlackRows && Capacity > (Count * 13L / 10) + SlackRows)
        {
            Resize((int)Math.Max(Count + (Count / 8L), SlackRows));
        }

        return moved;
    }

    public void Dispose()
    {
        NativeMemory.Free(_rowBlock);
        NativeMemory.Free(_idBlock);
        NativeMemory.Free(_codeBlock);
        _rowBlock = _idBlock = _codeBlock = null;
        _rows = null;
        _ids = null;
        _codes = null;
        Count = 0;
        Capacity = 0;
    }

    private void Resize(int capacity)
    {
        nuint rowBytes = (nuint)capacity * (nuint)Dimension * sizeof(float);
        nuint idBytes = (nuint)capacity * sizeof(long);
        nuint keptRows = (nuint)Math.Min(Count, capacity);
        if (HasFloats)
        {
            _rows = (float*)Realloc(ref _rowBlock, _rows, rowBytes, keptRows * (nuint)Dimension * sizeof(float));
        }

        if (CodeBytesPerRow > 0)
        {
            _codes = (byte*)Realloc(ref _codeBlock, _codes, (nuint)capacity * (nuint)CodeBytesPerRow, keptRows * (nuint)CodeBytesPerRow);
            Array.Resize(ref _bias, capacity);
        }

        _ids = (long*)Realloc(ref _idBlock, _ids, idBytes, keptRows * sizeof(long));
        Array.Resize(ref _norms, capacity);
        Capacity = capacity;
    }

    /// <summary>
    /// Resizes <paramref name="block"/> to hold <paramref name="bytes"/> from a 64-byte aligned
    /// start, keeping the first <paramref name="keptBytes"/> that began at <paramref name="start"/>;
    /// returns the new aligned start.
    /// </summary>
    private static void* Realloc(ref void* block, void* start, nuint bytes, nuint keptBytes)
    {
        nuint oldOffset = block is null ? 0 : (nuint)start - (nuint)block;
        nuint blockBytes = Math.Max(bytes, Alignment) + Alignment - 1;
        void* grown = NativeMemory.Realloc(block, blockBytes);
        HugePages.Advise(grown, blockBytes);
        block = grown;
        nuint aligned = ((nuint)grown + Alignment - 1) & ~(Alignment - 1);
        nuint offset = aligned - (nuint)grown;
        if (offset != oldOffset && keptBytes > 0)
        {
            // The kept bytes sit at the old offset in the resized block; move them (the ranges may overlap).
            Buffer.MemoryCopy((byte*)grown + oldOffset, (void*)aligned, bytes, keptBytes);
        }

        Debug.Assert(aligned % Alignment == 0);
        return (void*)aligned;
    }
}
