using System.Numerics;

namespace CortexHybrid.Metrics;

/// <summary>
/// A sum that threads add to without sharing a cache line: one cell per stripe, each alone on its
/// own 128 bytes (adjacent-line prefetch pairs 64-byte lines), a thread's stripe fixed at its first
/// use. Read by summing the cells. Adds stay <see cref="Interlocked"/>: more threads than stripes
/// share cells.
/// </summary>
internal sealed class StripedLong
{
    /// <summary>Longs per cell: 128 bytes.</summary>
    private const int Stride = 16;

    private static readonly int s_stripes = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 16));
    private static int s_nextStripe;

    [ThreadStatic]
    private static int t_stripe;

    /// <summary>Cell i is at <c>(i + 1) x Stride</c>: the first 128 bytes keep the array header's line apart.</summary>
    private readonly long[] _cells = new long[(s_stripes + 1) * Stride];

    public void Add(long value) => Interlocked.Add(ref _cells[CellOfThisThread()], value);

    public long Read()
    {
        long sum = 0;
        for (int i = Stride; i < _cells.Length; i += Stride)
        {
            sum += Volatile.Read(ref _cells[i]);
        }

        return sum;
    }

    /// <summary>Empties every cell and returns what they held; adds made meanwhile are kept for the next read.</summary>
    public long Drain()
    {
        long sum = 0;
        for (int i = Stride; i < _cells.Length; i += Stride)
        {
            sum += Interlocked.Exchange(ref _cells[i], 0);
        }

        return sum;
    }

    private static int CellOfThisThread()
    {
        int stripe = t_stripe;
        if (stripe == 0)
        {
            // Stripes are 1-based here so 0 means "not yet chosen"; threads are dealt round-robin.
            stripe = t_stripe = ((Interlocked.Increment(ref s_nextStripe) - 1) & (s_stripes - 1)) + 1;
        }

        return stripe * Stride;
    }
}
