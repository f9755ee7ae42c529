using System.Runtime.InteropServices;

namespace CortexHybrid.Search;

/// <summary>
/// The rows of a <see cref="VectorIndex"/>: one contiguous, 64-byte aligned native block of
/// <c>capacity x dimension</c> floats (rows back to back, no padding), the ids in a second aligned
/// block, and each row's norm. Capacity grows by a quarter and shrinks once a third is unused, so
/// the row block stays within 1.3x of <c>count x dimension x 4</c> bytes (plus 64 rows of slack).
/// Not thread-safe: <see cref="VectorIndex"/> serializes writers.
/// </summary>
internal sealed unsafe class RowStore : IDisposable
{
    /// <summary>Rows kept beyond the bound, so a small index does not reallocate on every add.</summary>
    internal const int SlackRows = 64;

    private const nuint Alignment = 64;

    private float* _rows;
    private long* _ids;
    private float[] _norms = [];

    public RowStore(int dimension) => Dimension = dimension;

    public int Dimension { get; }

    public int Count { get; private set; }

    public int Capacity { get; private set; }

    public float* Rows => _rows;

    public long* Ids => _ids;

    /// <summary>Bytes held for rows and ids.</summary>
    public long AllocatedBytes => (long)Capacity * ((Dimension * sizeof(float)) + sizeof(long) + sizeof(float));

    public Span<float> Row(int index) => new(_rows + ((long)index * Dimension), Dimension);

    public long Id(int index) => _ids[index];

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

    /// <summary>Appends a row (already normalized if the metric wants it) under <paramref name="id"/>.</summary>
    public void Append(long id, ReadOnlySpan<float> row, float norm)
    {
        Reserve(1);
        row.CopyTo(Row(Count));
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
            Row(last).CopyTo(Row(index));
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
        NativeMemory.AlignedFree(_rows);
        NativeMemory.AlignedFree(_ids);
        _rows = null;
        _ids = null;
        Count = 0;
        Capacity = 0;
    }

    private void Resize(int capacity)
    {
        nuint rowBytes = (nuint)capacity * (nuint)Dimension * sizeof(float);
        nuint idBytes = (nuint)capacity * sizeof(long);
        float* rows = (float*)NativeMemory.AlignedRealloc(_rows, Math.Max(rowBytes, Alignment), Alignment);
        _rows = rows;
        long* ids = (long*)NativeMemory.AlignedRealloc(_ids, Math.Max(idBytes, Alignment), Alignment);
        _ids = ids;
        Array.Resize(ref _norms, capacity);
        Capacity = capacity;
    }
}
