using System.Diagnostics.Metrics;
using CortexHybrid.Telemetry;

namespace CortexHybrid.Pooling;

/// <summary>
/// A pool's figures as <see cref="System.Diagnostics.Metrics"/> instruments on the meter
/// <c>CortexHybrid</c>, each tagged with the pool's name. The observable ones take a statistics
/// snapshot only when a listener collects, so they cost the pool nothing in between.
/// </summary>
/// <remarks>
/// On a meter from an <see cref="IMeterFactory"/> the instruments outlive the pool (the factory
/// owns the meter): once the pool is disposed the observable ones report nothing.
/// </remarks>
internal sealed class PoolMetrics : IDisposable
{
    private static readonly Measurement<int>[] NoInts = [];
    private static readonly Measurement<long>[] NoLongs = [];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Func<PoolStatistics> _statistics;
    private readonly Histogram<double> _waitDuration;
    private readonly Counter<long> _timeouts;
    private readonly KeyValuePair<string, object?> _poolTag;
    private volatile bool _disposed;

    public PoolMetrics(string poolName, Func<PoolStatistics> statistics, IMeterFactory? meterFactory)
    {
        _poolTag = new("cortex.pool.name", poolName);
        _statistics = statistics;
        _meter = ServingTelemetry.CreateMeter(meterFactory);
        _ownsMeter = meterFactory is null;
        _waitDuration = _meter.CreateHistogram<double>("cortex.pool.wait.duration", "s", "How long acquires took, served at once or after waiting.");
        _timeouts = _meter.CreateCounter<long>("cortex.pool.timeouts", "{timeout}", "Acquires that timed out or were rejected.");
        _meter.CreateObservableUpDownCounter("cortex.pool.resources", Resources, "{resource}", "Resources the pool holds, by state.");
        _meter.CreateObservableUpDownCounter("cortex.pool.waiters", () => _disposed ? NoInts : [new(_statistics().Waiting, _poolTag)], "{request}", "Callers waiting for a resource.");
        _meter.CreateObservableCounter("cortex.pool.created", () => _disposed ? NoLongs : [new(_statistics().TotalCreated, _poolTag)], "{resource}", "Resources created.");
        _meter.CreateObservableCounter("cortex.pool.destroyed", () => _disposed ? NoLongs : [new(_statistics().TotalDestroyed, _poolTag)], "{resource}", "Resources destroyed.");
        _meter.CreateObservableCounter("cortex.pool.acquisitions", Acquisitions, "{request}", "Acquires that returned a resource or threw.");
    }

    /// <summary>An acquire served from an idle resource: a zero wait, recorded only while someone listens.</summary>
    public void RecordImmediateAcquire()
    {
        if (_waitDuration.Enabled)
        {
            _waitDuration.Record(0.0, _poolTag);
        }
    }

    public void RecordWait(TimeSpan waited) => _waitDuration.Record(waited.TotalSeconds, _poolTag);

    public void RecordTimeout() => _timeouts.Add(1, _poolTag);

    public void Dispose()
    {
        _disposed = true;
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private Measurement<int>[] Resources()
    {
        if (_disposed)
        {
            return NoInts;
        }

        PoolStatistics s = _statistics();
        return
        [
            new(s.Idle, _poolTag, new("state", "idle")),
            new(s.Active, _poolTag, new("state", "active")),
            new(s.Creating, _poolTag, new("state", "creating")),
        ];
    }

    private Measurement<long>[] Acquisitions()
    {
        if (_disposed)
        {
            return NoLongs;
        }

        PoolStatistics s = _statistics();
        return
        [
            new(s.SuccessfulAcquisitions, _poolTag, new("outcome", "success")),
            new(s.FailedAcquisitions, _poolTag, new("outcome", "failure")),
        ];
    }
}
