using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using CortexHybrid.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CortexHybrid.Metrics;

/// <summary>
/// Request latency, throughput, errors, pipeline stages, spans and process resources, recorded
/// without locks and reported as a snapshot, a text or JSON report, a health score and
/// <see cref="System.Diagnostics.Metrics"/> instruments on the meter <c>CortexHybrid</c>.
/// </summary>
/// <remarks>
/// <para>
/// A request costs two clock reads, two interlocked operations on the operation's current latency
/// histogram and one on the per-second request counter; it allocates nothing. Latencies go into
/// fixed-memory log-linear histograms (within 0.4% from 1 µs to an hour), per operation, over the
/// sliding <see cref="PerformanceMonitorOptions.Window"/> and since start.
/// </para>
/// <para>
/// Instruments (tag <c>cortex.monitor.name</c>): <c>cortex.request.duration</c> (s, by
/// <c>operation</c>), <c>cortex.request.errors</c> (by <c>category</c>),
/// <c>cortex.stage.duration</c> (s, by <c>stage</c>), <c>cortex.requests</c>,
/// <c>cortex.health.score</c>, <c>cortex.process.memory.working_set</c> (By),
/// <c>cortex.process.cpu.utilization</c> (0–1).
/// </para>
/// </remarks>
public sealed partial class PerformanceMonitor : IDisposable
{
    /// <summary>The operation name of the activity a <see cref="Span"/> is traced as.</summary>
    public const string SpanActivityName = "cortex.monitor.span";

    /// <summary>The name latencies, stages and spans go under once <see cref="PerformanceMonitorOptions.MaxNames"/> is reached.</summary>
    public const string OverflowName = "other";

    /// <summary>Error categories counted apart; more go under <see cref="OverflowName"/>.</summary>
    private const int MaxErrorCategories = 1024;

    /// <summary>Seconds of per-second request counts kept: the last minute and a few to spare.</summary>
    private const int RequestSeconds = 64;

    private readonly PerformanceMonitorOptions _options;
    private readonly TimeProvider _time;
    private readonly long _frequency;
    private readonly long _startTimestamp;

    /// <summary>Errors count per window slice, so their rate is over exactly the requests of the latency window.</summary>
    private readonly long _sliceTicks;

    /// <summary>
    /// On the system clock, where a precise read costs about 27 ns here (kvm-clock), calls that are
    /// given their duration place it in its second and window slice by the coarse monotonic clock
    /// (<see cref="Environment.TickCount64"/>, about 5 ns; the same clock at millisecond grain).
    /// </summary>
    private readonly long _coarseTicksPerMillisecond;

    /// <summary>Precise timestamp minus coarse, taken once: the two clocks need not share an origin on every platform.</summary>
    private readonly long _coarseOffset;
    private readonly ConcurrentDictionary<string, LatencyRecorder> _operations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LatencyRecorder> _stages = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SpanStatistics> _spans = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ErrorCounter> _errors = new(StringComparer.Ordinal);
    private readonly RateCounter _requests = new(RequestSeconds);
    private readonly MonitorMetrics _metrics;
    private readonly CpuSampler _snapshotCpu;
    private readonly CpuSampler _gaugeCpu;

    /// <summary>The last operation looked up: a request usually names the one before it, so its dictionary lookup is skipped.</summary>
    private LatencyRecorder? _lastOperation;

    private int _disposed;

    /// <summary>Creates a monitor.</summary>
    /// <param name="options">Windows, targets and limits; null for the defaults. Copied.</param>
    /// <param name="timeProvider">The clock for latencies, windows and the memory check; null for <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where memory growth is logged (event id 3001); null for none.</param>
    /// <param name="meterFactory">Creates the meter the monitor's instruments are on; null for a meter of the monitor's own.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public PerformanceMonitor(
        PerformanceMonitorOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger? logger = null,
        IMeterFactory? meterFactory = null)
        : this(options, timeProvider, memoryProbe: null, logger, meterFactory)
    {
    }

    /// <summary>Creates a monitor whose memory check reads <paramref name="memoryProbe"/> instead of the GC heap (for tests).</summary>
    internal PerformanceMonitor(PerformanceMonitorOptions? options, TimeProvider? timeProvider, Func<long>? memoryProbe, ILogger? logger = null, IMeterFactory? meterFactory = null)
    {
        _options = (options ?? new PerformanceMonitorOptions()).Validated();
        _time = timeProvider ?? TimeProvider.System;
        _frequency = _time.TimestampFrequency;
        _startTimestamp = _time.GetTimestamp();
        _sliceTicks = LatencyRecorder.SliceTicks(_options.Window, _options.WindowSlices, _frequency);
        _coarseTicksPerMillisecond = ReferenceEquals(_time, TimeProvider.System) && _frequency % 1000 == 0 ? _frequency / 1000 : 0;
        _coarseOffset = _startTimestamp - (Environment.TickCount64 * _coarseTicksPerMillisecond);
        _snapshotCpu = new CpuSampler(_time);
        _gaugeCpu = new CpuSampler(_time);
        _metrics = new MonitorMetrics(this, _options.Name, meterFactory);
        ILogger log = logger ?? NullLogger.Instance;
        _memory = new MemoryMonitor(_time, _options.MemoryCheckInterval, _options.MemoryGrowthThresholdBytes, memoryProbe ?? (() => GC.GetTotalMemory(forceFullCollection: false)));
        _memory.GrowthDetected += (_, e) =>
        {
            MonitorLog.MemoryGrowthDetected(log, _options.Name, e.GrowthBytes, e.Interval, e.HeapBytes, _options.MemoryGrowthThresholdBytes);
            MemoryGrowthDetected?.Invoke(this, e);
        };
    }

    /// <summary>Raised when the memory check sees the GC heap grow by more than <see cref="PerformanceMonitorOptions.MemoryGrowthThresholdBytes"/> in one interval.</summary>
    public event EventHandler<MemoryGrowthEventArgs>? MemoryGrowthDetected;

    /// <summary>Starts timing a request; dispose the timer when it succeeds, or call <see cref="RequestTimer.Fail"/>.</summary>
    /// <param name="operation">The operation name (a few distinct names; see <see cref="PerformanceMonitorOptions.MaxNames"/>).</param>
    /// <returns>The running timer.</returns>
    /// <exception cref="ArgumentException"><paramref name="operation"/> is null or empty.</exception>
    public RequestTimer StartRequest(string operation = "request")
    {
        LatencyRecorder recorder = OperationRecorder(operation);
        return new RequestTimer(this, recorder, _time.GetTimestamp());
    }

    /// <summary>Records a request that took <paramref name="duration"/> and succeeded, ending now.</summary>
    /// <param name="duration">How long it took; negative counts as zero.</param>
    /// <param name="operation">The operation name.</param>
    /// <exception cref="ArgumentException"><paramref name="operation"/> is null or empty.</exception>
    public void RecordResponseTime(TimeSpan duration, string operation = "request")
    {
        LatencyRecorder recorder = OperationRecorder(operation);
        Record(recorder, PlacementTimestamp(), TicksToNanoseconds(duration.Ticks));
    }

    /// <summary>Records an error of <paramref name="category"/> not tied to a timed request.</summary>
    /// <param name="category">"authentication", "validation", "internal", "timeout", or any other name.</param>
    /// <exception cref="ArgumentException"><paramref name="category"/> is null or empty.</exception>
    public void RecordError(string category)
    {
        ArgumentException.ThrowIfNullOrEmpty(category);
        CountError(category, PlacementTimestamp());
    }

    /// <summary>Records how long a named pipeline stage took (cache, search, fetch, ...).</summary>
    /// <param name="stage">The stage name.</param>
    /// <param name="duration">How long it took; negative counts as zero.</param>
    /// <exception cref="ArgumentException"><paramref name="stage"/> is null or empty.</exception>
    public void RecordStage(string stage, TimeSpan duration)
    {
        ArgumentException.ThrowIfNullOrEmpty(stage);
        LatencyRecorder recorder = Named(_stages, stage, static (monitor, name) => monitor.NewRecorder(name));
        long nanoseconds = TicksToNanoseconds(duration.Ticks);
        recorder.Record(PlacementTimestamp(), nanoseconds);
        _metrics.RecordStage(recorder.Name, nanoseconds / 1e9);
    }

    /// <summary>Times a named span until the returned timer is disposed: <c>using (monitor.Span("parse")) { ... }</c>.</summary>
    /// <param name="name">The span name.</param>
    /// <returns>The running span timer.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    /// <remarks>
    /// When a listener samples the <c>CortexHybrid</c> activity source the span is also an
    /// <see cref="Activity"/>: operation name <c>cortex.monitor.span</c>, display name
    /// <paramref name="name"/>, tags <c>cortex.span.name</c> and <c>cortex.monitor.name</c>.
    /// </remarks>
    public SpanTimer Span(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        SpanStatistics span = Named(_spans, name, static (_, n) => new SpanStatistics(n));
        Activity? activity = ServingTelemetry.Start(SpanActivityName);
        if (activity is not null)
        {
            activity.DisplayName = span.Name;
            activity.SetTag("cortex.span.name", span.Name);
            activity.SetTag("cortex.monitor.name", _options.Name);
        }

        return new SpanTimer(span, _time, activity);
    }

    /// <summary>Stops the memory check and the instruments.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _memory.Dispose();
            _metrics.Dispose();
        }
    }

    internal void Complete(LatencyRecorder recorder, long start, string? errorCategory)
    {
        long end = _time.GetTimestamp();
        Record(recorder, end, recorder.ToNanoseconds(end - start));
        if (errorCategory is not null)
        {
            CountError(errorCategory, end);
        }
    }

    private void Record(LatencyRecorder recorder, long now, long nanoseconds)
    {
        recorder.Record(now, nanoseconds);
        _requests.Increment(now / _frequency);
        _metrics.RecordRequest(recorder.Name, nanoseconds);
    }

    private void CountError(string category, long now)
    {
        ErrorCounter counter = Named(_errors, category, static (monitor, name) => new ErrorCounter(name, monitor._options.WindowSlices), limit: MaxErrorCategories);
        counter.Count.Increment(now / _sliceTicks);
        _metrics.RecordError(counter.Category);
    }

    private LatencyRecorder OperationRecorder(string operation)
    {
        LatencyRecorder? last = _lastOperation;
        if (last is not null && (ReferenceEquals(last.Name, operation) || string.Equals(last.Name, operation, StringComparison.Ordinal)))
        {
            return last;
        }

        ArgumentException.ThrowIfNullOrEmpty(operation);
        LatencyRecorder recorder = Named(_operations, operation, static (monitor, name) => monitor.NewRecorder(name));
        _lastOperation = recorder;
        return recorder;
    }

    private LatencyRecorder NewRecorder(string name) => new(name, _options.Window, _options.WindowSlices, _frequency);

    /// <summary>The value for <paramref name="name"/>, created on first use; past the name limit, the one for <see cref="OverflowName"/>.</summary>
    private TValue Named<TValue>(ConcurrentDictionary<string, TValue> byName, string name, Func<PerformanceMonitor, string, TValue> create, int? limit = null)
    {
        if (byName.TryGetValue(name, out TValue? value))
        {
            return value;
        }

        if (byName.Count >= (limit ?? _options.MaxNames))
        {
            name = OverflowName;
        }

        return byName.GetOrAdd(name, static (n, state) => state.create(state.monitor, n), (monitor: this, create));
    }

    /// <summary>Now, precise enough to choose a second and a window slice (see <see cref="_coarseTicksPerMillisecond"/>).</summary>
    private long PlacementTimestamp() =>
        _coarseTicksPerMillisecond != 0 ? (Environment.TickCount64 * _coarseTicksPerMillisecond) + _coarseOffset : _time.GetTimestamp();

    private static long TicksToNanoseconds(long ticks) => ticks <= 0 ? 0 : ticks > long.MaxValue / 100 ? long.MaxValue : ticks * 100;

    /// <summary>One error category's counts per window slice, under the name it is reported (and tagged) by.</summary>
    private sealed class ErrorCounter(string category, int slices)
    {
        public string Category { get; } = category;

        public RateCounter Count { get; } = new(slices);
    }
}
