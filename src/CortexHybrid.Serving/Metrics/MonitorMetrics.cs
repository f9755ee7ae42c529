using System.Diagnostics.Metrics;
using CortexHybrid.Telemetry;

namespace CortexHybrid.Metrics;

/// <summary>
/// The monitor's figures as instruments on the meter <c>CortexHybrid</c>, with OpenTelemetry-style
/// names and base units. Recording into an instrument nobody listens to is one branch.
/// </summary>
internal sealed class MonitorMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private volatile bool _disposed;
    private readonly Histogram<double> _requestDuration;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _stageDuration;
    private readonly KeyValuePair<string, object?> _monitorTag;

    public MonitorMetrics(PerformanceMonitor monitor, string name, IMeterFactory? meterFactory)
    {
        _monitorTag = new("cortex.monitor.name", name);
        KeyValuePair<string, object?> tag = _monitorTag;
        _meter = ServingTelemetry.CreateMeter(meterFactory);
        _ownsMeter = meterFactory is null;
        _requestDuration = _meter.CreateHistogram<double>("cortex.request.duration", "s", "How long requests took, by operation.");
        _errors = _meter.CreateCounter<long>("cortex.request.errors", "{error}", "Errors, by category.");
        _stageDuration = _meter.CreateHistogram<double>("cortex.stage.duration", "s", "How long pipeline stages took, by stage.");

        // On a factory's meter the instruments outlive a disposed monitor: they then report nothing.
        _meter.CreateObservableCounter("cortex.requests", () => _disposed ? [] : new[] { new Measurement<long>(monitor.TotalRequests, tag) }, "{request}", "Requests finished.");
        _meter.CreateObservableGauge("cortex.health.score", () => _disposed ? [] : new[] { new Measurement<double>(monitor.GetHealthScore(), tag) }, "1", "The weighted health score, 0 to 1.");
        _meter.CreateObservableUpDownCounter("cortex.process.memory.working_set", () => _disposed ? [] : new[] { new Measurement<long>(Environment.WorkingSet, tag) }, "By", "The process's working set.");
        _meter.CreateObservableGauge("cortex.process.cpu.utilization", () => _disposed ? [] : new[] { new Measurement<double>(monitor.CpuUtilization(), tag) }, "1", "CPU used by the process since the last reading, as a share of all cores.");
    }

    public void RecordRequest(string operation, long nanoseconds)
    {
        if (_requestDuration.Enabled)
        {
            _requestDuration.Record(nanoseconds / 1e9, _monitorTag, new KeyValuePair<string, object?>("operation", operation));
        }
    }

    public void RecordError(string category)
    {
        if (_errors.Enabled)
        {
            _errors.Add(1, _monitorTag, new KeyValuePair<string, object?>("category", category));
        }
    }

    public void RecordStage(string stage, double seconds)
    {
        if (_stageDuration.Enabled)
        {
            _stageDuration.Record(seconds, _monitorTag, new KeyValuePair<string, object?>("stage", stage));
        }
    }

    public void Dispose()
    {
        _disposed = true;
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
