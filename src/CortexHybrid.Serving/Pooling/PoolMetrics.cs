using System.Diagnostics.Metrics;

namespace CortexHybrid.Pooling;

/// <summary>
/// A pool's figures as <see cref="System.Diagnostics.Metrics"/> instruments on the meter
/// <c>CortexHybrid</c>, each tagged with the pool's name. The observable ones take a statistics
/// snapshot only when a listener collects, so they cost the pool nothing in between.
/// </summary>
internal sealed class PoolMetrics : IDisposable
{
    /// <summary>The meter every CortexHybrid component publishes on.</summary>
    public const string MeterName = "CortexHybrid";

    private readonly Meter _meter;
    private readonly Histogram<double> _waitDuration;
    private readonly Counter<long> _timeouts;
    private readonly KeyValuePair<string, object?> _poolTag;

    public PoolMetrics(string poolName, Func<PoolStatistics> statistics)
    {
        _poolTag = new("cortex.pool.name", poolName);
        _meter = new Meter(MeterName);
        _waitDuration = _meter.CreateHistogram<double>("cortex.pool.wait.duration", "s", "How long acquires took, served at once or after waiting.");
        _timeouts = _meter.CreateCounter<long>("cortex.pool.timeouts", "{timeout}", "Acquires that timed out or were rejected.");
        KeyValuePair<string, object?> poolTag = _poolTag;
        _meter.CreateObservableUpDownCounter(
            "cortex.pool.resources",
            () =>
            {
                PoolStatistics s = statistics();
                return new[]
                {
                    new Measurement<int>(s.Idle, poolTag, new("state", "idle")),
                    new Measurement<int>(s.Active, poolTag, new("state", "active")),
                    new Measurement<int>(s.Creating, poolTag, new("state", "creating")),
                };
            },
            "{resource}",
            "Resources the pool holds, by state.");
        _meter.CreateObservableUpDownCounter("cortex.pool.waiters", () => new Measurement<int>(statistics().Waiting, poolTag), "{request}", "Callers waiting for a resource.");
        _meter.CreateObservableCounter("cortex.pool.created", () => new Measurement<long>(statistics().TotalCreated, poolTag), "{resource}", "Resources created.");
        _meter.CreateObservableCounter("cortex.pool.destroyed", () => new Measurement<long>(statistics().TotalDestroyed, poolTag), "{resource}", "Resources destroyed.");
        _meter.CreateObservableCounter(
            "cortex.pool.acquisitions",
            () =>
            {
                PoolStatistics s = statistics();
                return new[]
                {
                    new Measurement<long>(s.SuccessfulAcquisitions, poolTag, new("outcome", "success")),
                    new Measurement<long>(s.FailedAcquisitions, poolTag, new("outcome", "failure")),
                };
            },
            "{request}",
            "Acquires that returned a resource or threw.");
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

    public void Dispose() => _meter.Dispose();
}
