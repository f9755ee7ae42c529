using System.Diagnostics;

namespace CortexHybrid.Metrics;

/// <summary>
/// Times one span of <see cref="PerformanceMonitor.Span"/>; disposing it records the span and, when
/// a listener samples the <c>CortexHybrid</c> activity source, ends its <c>cortex.monitor.span</c> activity.
/// </summary>
public readonly struct SpanTimer : IDisposable
{
    private readonly SpanStatistics? _span;
    private readonly TimeProvider? _time;
    private readonly Activity? _activity;
    private readonly long _start;

    internal SpanTimer(SpanStatistics span, TimeProvider time, Activity? activity)
    {
        _span = span;
        _time = time;
        _activity = activity;
        _start = time.GetTimestamp();
    }

    /// <summary>Records the span's duration and ends its activity.</summary>
    public void Dispose()
    {
        _span?.Record(_time!.GetElapsedTime(_start));
        _activity?.Dispose();
    }
}
