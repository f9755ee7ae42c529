using CortexHybrid.Concurrency;

namespace CortexHybrid.Metrics;

/// <summary>
/// Events per period (a second, or a window slice) over the last few periods (a ring of counts),
/// with the busiest period seen and the total. One interlocked increment per event, on the
/// processor's own stripe of the period's count (see <see cref="StripedCounter"/>); a period's
/// slot is reset, under a lock, when its time comes round again.
/// </summary>
internal sealed class RateCounter
{
    /// <summary>At most 16 cells per count: a counter keeps one count per period, and there may be a thousand counters.</summary>
    private const int StripesPerCount = 16;

    private readonly long[] _epochs;
    private readonly StripedCounter[] _counts;
    private readonly Lock _rotation = new();
    private long _retiredTotal;
    private long _retiredPeak;

    /// <param name="periods">How many of the latest periods <see cref="Sum"/> can reach.</param>
    public RateCounter(int periods)
    {
        _epochs = new long[periods];
        _counts = new StripedCounter[periods];
        for (int i = 0; i < periods; i++)
        {
            _counts[i] = new StripedCounter(StripesPerCount);
        }

        Array.Fill(_epochs, -1);
    }

    public void Increment(long period)
    {
        int slot = (int)(period % _counts.Length);
        if (Volatile.Read(ref _epochs[slot]) != period)
        {
            Rotate(slot, period);
        }

        _counts[slot].Increment();
    }

    /// <summary>Events in the periods from <paramref name="first"/> to <paramref name="last"/>, both included (as far back as the ring reaches).</summary>
    public long Sum(long first, long last)
    {
        long sum = 0;
        for (int slot = 0; slot < _counts.Length; slot++)
        {
            long epoch = Volatile.Read(ref _epochs[slot]);
            if (epoch >= first && epoch <= last)
            {
                sum += _counts[slot].Sum();
            }
        }

        return sum;
    }

    /// <summary>All events counted.</summary>
    public long Total
    {
        get
        {
            lock (_rotation)
            {
                return _retiredTotal + _counts.Sum(c => c.Sum());
            }
        }
    }

    /// <summary>The most events in any one period, the current one included.</summary>
    public long Peak
    {
        get
        {
            lock (_rotation)
            {
                return Math.Max(_retiredPeak, _counts.Max(c => c.Sum()));
            }
        }
    }

    private void Rotate(int slot, long period)
    {
        lock (_rotation)
        {
            if (_epochs[slot] < period)
            {
                long finished = _counts[slot].Drain();
                _retiredTotal += finished;
                _retiredPeak = Math.Max(_retiredPeak, finished);
                Volatile.Write(ref _epochs[slot], period);
            }
        }
    }
}
