using System.Numerics;
using System.Runtime.InteropServices;

namespace CortexHybrid.Concurrency;

/// <summary>
/// An exact counter (or sum) that many threads add to without fighting over one cache line: one
/// cell per processor (by <see cref="Thread.GetCurrentProcessorId"/>), each on its own line, summed
/// when read. Adds stay <see cref="Interlocked"/> because two threads can share a cell. The cache's
/// hit counters and the performance monitor's sums and per-period counts use it.
/// </summary>
internal sealed class StripedCounter
{
    private readonly Cell[] _cells;
    private readonly int _mask;

    /// <param name="maxStripes">Cells at most (a power of two is used); a counter kept in many copies wants fewer.</param>
    public StripedCounter(int maxStripes = 64)
    {
        int stripes = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, maxStripes));
        _cells = new Cell[stripes];
        _mask = stripes - 1;
    }

    public void Increment() => Interlocked.Increment(ref _cells[Thread.GetCurrentProcessorId() & _mask].Value);

    public void Add(long value) => Interlocked.Add(ref _cells[Thread.GetCurrentProcessorId() & _mask].Value, value);

    /// <summary>Empties every cell and returns what they held; adds made meanwhile are kept for the next read.</summary>
    public long Drain()
    {
        long sum = 0;
        foreach (ref Cell cell in _cells.AsSpan())
        {
            sum += Interlocked.Exchange(ref cell.Value, 0);
        }

        return sum;
    }

    public long Sum()
    {
        long sum = 0;
        foreach (ref Cell cell in _cells.AsSpan())
        {
            sum += Volatile.Read(ref cell.Value);
        }

        return sum;
    }

    /// <summary>A value alone on a 64-byte line (padding on both sides against the array header and neighbours).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Cell
    {
        [FieldOffset(64)]
        public long Value;
    }
}
