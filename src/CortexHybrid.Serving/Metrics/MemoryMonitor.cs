namespace CortexHybrid.Metrics;

/// <summary>The seed guide's leak check: sample the heap every interval and flag growth above a threshold.</summary>
internal sealed class MemoryMonitor : IDisposable
{
    private readonly Func<long> _probe;
    private readonly long _threshold;
    private readonly TimeSpan _interval;
    private readonly ITimer _timer;
    private readonly Lock _sync = new();
    private long _previous;
    private long _lastGrowth;
    private bool _flagged;

    public MemoryMonitor(TimeProvider time, TimeSpan interval, long threshold, Func<long> probe)
    {
        _probe = probe;
        _threshold = threshold;
        _interval = interval;
        _previous = probe();
        _timer = time.CreateTimer(static state => ((MemoryMonitor)state!).Check(), this, interval, interval);
    }

    public event EventHandler<MemoryGrowthEventArgs>? GrowthDetected;

    public (bool Flagged, long Growth) State
    {
        get
        {
            lock (_sync)
            {
                return (_flagged, _lastGrowth);
            }
        }
    }

    public void Check()
    {
        MemoryGrowthEventArgs? growth = null;
        lock (_sync)
        {
            long current = _probe();
            _lastGrowth = current - _previous;
            _previous = current;
            _flagged = _lastGrowth > _threshold;
            if (_flagged)
            {
                growth = new MemoryGrowthEventArgs(_lastGrowth, current, _interval);
            }
        }

        if (growth is not null)
        {
            GrowthDetected?.Invoke(this, growth);
        }
    }

    public void Dispose() => _timer.Dispose();
}
