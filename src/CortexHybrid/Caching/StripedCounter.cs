using System.Numerics;
using System.Runtime.InteropServices;

namespace CortexHybrid.Caching;

/// <summary>
/// An exact counter that many threads increment without fighting over one cache line: one cell
/// per processor (by <see cref="Thread.GetCurrentProcessorId"/>), each on its own line, summed
/// when read. Increments stay <see cref="Interlocked"/> because two threads can share a cell.
/// </summary>
internal sealed class StripedCounter
{
    private readonly Cell[] _cells;
    private readonly int _mask;

    public StripedCounter()
    {
        int stripes = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 64));
        _cells = new Cell[stripes];
        _mask = stripes - 1;
    }

    public void Increment() => Interlocked.Increment(ref _cells[Thread.GetCurrentProcessorId() & _mask].Value);

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
