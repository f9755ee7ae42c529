using System.Diagnostics;
using System.Diagnostics.Metrics;
using CortexHybrid.Caching;
using CortexHybrid.Diagnostics;
using CortexHybrid.Metrics;
using CortexHybrid.Pooling;
using CortexHybrid.Search;
using CortexHybrid.Tests.Caching;
using CortexHybrid.Tests.Pooling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace CortexHybrid.Tests.Hosting;

/// <summary>
/// What an app that only adds OpenTelemetry's <c>AddMeter(CortexDiagnostics.MeterName)</c> and
/// <c>AddSource(CortexDiagnostics.ActivitySourceName)</c> exports: every documented instrument with
/// its component's tag, and the four activities with their tags.
/// </summary>
[Collection(GlobalTelemetryCollection.Name)]
public sealed class OpenTelemetryTests
{
    /// <summary>The instruments README.md documents, by the tag naming their component.</summary>
    private static readonly (string Tag, string[] Instruments)[] Documented =
    [
        ("cortex.cache.name",
        [
            "cortex.cache.requests", "cortex.cache.entries", "cortex.cache.size", "cortex.cache.promotions",
            "cortex.cache.demotions", "cortex.cache.evictions", "cortex.cache.expirations", "cortex.cache.level3.errors",
        ]),
        ("cortex.pool.name",
        [
            "cortex.pool.resources", "cortex.pool.waiters", "cortex.pool.wait.duration", "cortex.pool.timeouts",
            "cortex.pool.created", "cortex.pool.destroyed", "cortex.pool.acquisitions",
        ]),
        ("cortex.monitor.name",
        [
            "cortex.request.duration", "cortex.request.errors", "cortex.stage.duration", "cortex.requests",
            "cortex.health.score", "cortex.process.memory.working_set", "cortex.process.cpu.utilization",
        ]),
    ];

    private const int Dimension = 11;

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    private string CacheName => "otel-cache-" + _suffix;

    private string PoolName => "otel-pool-" + _suffix;

    private string MonitorName => "otel-monitor-" + _suffix;

    private sealed record Exported(List<MetricSnapshot> Metrics, List<Activity> Activities);

    /// <summary>A host with OpenTelemetry and nothing else, plus the four components; all of them driven once through every instrumented path.</summary>
    private async Task<Exported> RunAsync()
    {
        var metrics = new List<MetricSnapshot>();
        var activities = new List<Activity>();
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 7, 1, 0, 0, 0, TimeSpan.Zero));
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddOpenTelemetry()
            .WithMetrics(m => m.AddMeter(CortexDiagnostics.MeterName).AddInMemoryExporter(metrics))
            .WithTracing(t => t.AddSource(CortexDiagnostics.ActivitySourceName).AddInMemoryExporter(activities));
        builder.Services.AddTieredCache(o => o.Name = CacheName);
        builder.Services.AddResourcePool<FakeResource>(PoolName, _ => new FakeResourceFactory(), o => { o.MinSize = 0; o.MaxSize = 1; o.AcquireTimeout = TimeSpan.FromSeconds(5); });
        builder.Services.AddPerformanceMonitor(o => o.Name = MonitorName);
        builder.Services.AddVectorIndex(o => o.Dimension = Dimension);
        using IHost host = await TestHosts.StartAsync(builder);
        IServiceProvider services = host.Services;

        TieredCache cache = services.GetRequiredService<TieredCache>();
        await cache.SetAsync("hit", CacheTestData.Text("h"));
        Assert.NotNull(await cache.GetAsync("hit"));
        await cache.GetOrCreateAsync("miss", _ => ValueTask.FromResult(CacheTestData.Text("made")));
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await cache.GetOrCreateAsync("fail", _ => ValueTask.FromException<byte[]>(new InvalidOperationException("factory failed (test)"))));

        ResourcePool<FakeResource> pool = services.GetRequiredKeyedService<ResourcePool<FakeResource>>(PoolName);
        PooledResource<FakeResource> held = await pool.AcquireAsync();
        ValueTask<PooledResource<FakeResource>> waiting = pool.AcquireAsync();
        Assert.False(waiting.IsCompleted);
        await held.DisposeAsync();
        held = await waiting;
        ValueTask<PooledResource<FakeResource>> timingOut = pool.AcquireAsync();
        time.Advance(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<PoolExhaustedException>(async () => await timingOut);
        await held.DisposeAsync();

        PerformanceMonitor monitor = services.GetRequiredService<PerformanceMonitor>();
        using (monitor.StartRequest("search"))
        {
            time.Advance(TimeSpan.FromMilliseconds(3));
        }

        using (RequestTimer failing = monitor.StartRequest("search"))
        {
            failing.Fail("timeout");
        }

        monitor.RecordError("validation");
        monitor.RecordStage("fetch", TimeSpan.FromMilliseconds(2));
        using (monitor.Span("rerank"))
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        VectorIndex index = services.GetRequiredService<VectorIndex>();
        for (int i = 0; i < 3; i++)
        {
            float[] vector = new float[Dimension];
            vector[i] = 1;
            index.Add(i, vector);
        }

        index.Search(new float[Dimension] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, k: 2);

        Assert.True(services.GetRequiredService<MeterProvider>().ForceFlush());
        Assert.True(services.GetRequiredService<TracerProvider>().ForceFlush());
        await host.StopAsync();
        return new Exported(metrics, activities);
    }

    /// <summary>The points of <paramref name="instrument"/> tagged <paramref name="tag"/> = <paramref name="value"/>, from the last export.</summary>
    private static List<MetricPoint> Points(List<MetricSnapshot> metrics, string instrument, string tag, string value)
    {
        var points = new List<MetricPoint>();
        MetricSnapshot? last = metrics.LastOrDefault(m => m.Name == instrument && m.MeterName == CortexDiagnostics.MeterName);
        if (last is null)
        {
            return points;
        }

        foreach (MetricPoint point in last.MetricPoints)
        {
            if (Tag(point, tag) as string == value)
            {
                points.Add(point);
            }
        }

        return points;
    }

    private static object? Tag(MetricPoint point, string key)
    {
        foreach (KeyValuePair<string, object?> tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value;
            }
        }

        return null;
    }

    private static MetricPoint PointWith(List<MetricPoint> points, string key, string value) =>
        Assert.Single(points, p => Tag(p, key) as string == value);

    [Fact]
    public async Task Every_documented_instrument_is_exported_with_its_components_tag()
    {
        Exported exported = await RunAsync();
        string[] names = [CacheName, PoolName, MonitorName];
        var missing = new List<string>();
        for (int c = 0; c < Documented.Length; c++)
        {
            foreach (string instrument in Documented[c].Instruments)
            {
                if (Points(exported.Metrics, instrument, Documented[c].Tag, names[c]).Count == 0)
                {
                    missing.Add($"{instrument} ({Documented[c].Tag}={names[c]})");
                }
            }
        }

        Assert.True(missing.Count == 0, "not exported: " + string.Join(", ", missing));

        // The figures behind them, by their documented sub-tags.
        List<MetricPoint> requests = Points(exported.Metrics, "cortex.cache.requests", "cortex.cache.name", CacheName);
        Assert.Equal(1, PointWith(requests, "level", "l1").GetSumLong());
        Assert.Equal(2, PointWith(requests, "result", "miss").GetSumLong());
        Assert.Equal(2, PointWith(Points(exported.Metrics, "cortex.cache.entries", "cortex.cache.name", CacheName), "level", "l1").GetSumLong());

        Assert.Equal(1, Assert.Single(Points(exported.Metrics, "cortex.pool.timeouts", "cortex.pool.name", PoolName)).GetSumLong());
        List<MetricPoint> acquisitions = Points(exported.Metrics, "cortex.pool.acquisitions", "cortex.pool.name", PoolName);
        Assert.Equal(2, PointWith(acquisitions, "outcome", "success").GetSumLong());
        Assert.Equal(1, PointWith(acquisitions, "outcome", "failure").GetSumLong());
        Assert.Equal(1, PointWith(Points(exported.Metrics, "cortex.pool.resources", "cortex.pool.name", PoolName), "state", "idle").GetSumLong());
        Assert.Equal(1, Assert.Single(Points(exported.Metrics, "cortex.pool.created", "cortex.pool.name", PoolName)).GetSumLong());
        Assert.Equal(2, Assert.Single(Points(exported.Metrics, "cortex.pool.wait.duration", "cortex.pool.name", PoolName)).GetHistogramCount());

        Assert.Equal(2, PointWith(Points(exported.Metrics, "cortex.request.duration", "cortex.monitor.name", MonitorName), "operation", "search").GetHistogramCount());
        List<MetricPoint> errors = Points(exported.Metrics, "cortex.request.errors", "cortex.monitor.name", MonitorName);
        Assert.Equal(1, PointWith(errors, "category", "timeout").GetSumLong());
        Assert.Equal(1, PointWith(errors, "category", "validation").GetSumLong());
        Assert.Equal(1, PointWith(Points(exported.Metrics, "cortex.stage.duration", "cortex.monitor.name", MonitorName), "stage", "fetch").GetHistogramCount());
        Assert.Equal(2, Assert.Single(Points(exported.Metrics, "cortex.requests", "cortex.monitor.name", MonitorName)).GetSumLong());
        double score = Assert.Single(Points(exported.Metrics, "cortex.health.score", "cortex.monitor.name", MonitorName)).GetGaugeLastValueDouble();
        Assert.InRange(score, 0, 1);
    }

    [Fact]
    public async Task The_four_activities_are_exported_with_their_documented_tags()
    {
        Exported exported = await RunAsync();
        Assert.All(exported.Activities, a => Assert.Equal(CortexDiagnostics.ActivitySourceName, a.Source.Name));

        Activity search = Assert.Single(exported.Activities, a => a.OperationName == "cortex.index.search" && a.GetTagItem("cortex.index.dimension") is Dimension);
        Assert.Equal(3, search.GetTagItem("cortex.index.rows"));
        Assert.Equal("cosine", search.GetTagItem("cortex.index.metric"));
        Assert.Equal(1, search.GetTagItem("cortex.search.queries"));
        Assert.Equal(2, search.GetTagItem("cortex.search.k"));

        Activity[] factories = [.. exported.Activities.Where(a => a.OperationName == "cortex.cache.factory" && a.GetTagItem("cortex.cache.name") as string == CacheName)];
        Assert.Equal(2, factories.Length);
        Activity made = Assert.Single(factories, a => a.Status != ActivityStatusCode.Error);
        Assert.Null(made.GetTagItem("error.type"));
        Activity failed = Assert.Single(factories, a => a.Status == ActivityStatusCode.Error);
        Assert.Equal("System.InvalidOperationException", failed.GetTagItem("error.type"));
        Assert.Equal("factory failed (test)", failed.StatusDescription);

        Activity[] waits = [.. exported.Activities.Where(a => a.OperationName == "cortex.pool.wait" && a.GetTagItem("cortex.pool.name") as string == PoolName)];
        Assert.Equal(["exhausted", "handed_off"], waits.Select(a => (string?)a.GetTagItem("cortex.pool.wait.outcome")).Order(StringComparer.Ordinal));
        Activity exhausted = Assert.Single(waits, a => a.GetTagItem("cortex.pool.wait.outcome") as string == "exhausted");
        Assert.Equal(ActivityStatusCode.Error, exhausted.Status);
        Assert.Equal(typeof(PoolExhaustedException).FullName, exhausted.GetTagItem("error.type"));

        Activity span = Assert.Single(exported.Activities, a => a.OperationName == "cortex.monitor.span" && a.GetTagItem("cortex.monitor.name") as string == MonitorName);
        Assert.Equal("rerank", span.DisplayName);
        Assert.Equal("rerank", span.GetTagItem("cortex.span.name"));
    }

    [Fact]
    public async Task The_instruments_are_created_from_the_hosts_IMeterFactory()
    {
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddTieredCache(o => o.Name = CacheName);
        builder.Services.AddResourcePool<FakeResource>(PoolName, _ => new FakeResourceFactory(), o => { o.MinSize = 1; o.MaxSize = 1; });
        builder.Services.AddPerformanceMonitor(o => o.Name = MonitorName);
        using IHost host = await TestHosts.StartAsync(builder);
        IMeterFactory factory = host.Services.GetRequiredService<IMeterFactory>();
        _ = host.Services.GetRequiredService<PerformanceMonitor>(); // creates (and attaches) the cache and the pool too

        var instruments = new List<Instrument>();
        var tagged = new List<(string Instrument, string? Component)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == CortexDiagnostics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                instruments.Add(instrument);
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Measured<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key is "cortex.cache.name" or "cortex.pool.name" or "cortex.monitor.name")
                {
                    tagged.Add((instrument.Name, tag.Value as string));
                }
            }
        }

        listener.SetMeasurementEventCallback<long>(Measured);
        listener.SetMeasurementEventCallback<int>(Measured);
        listener.SetMeasurementEventCallback<double>(Measured);
        listener.Start();
        listener.RecordObservableInstruments();

        // Every documented instrument is on the factory's meter (a meter of a component's own has no scope).
        string[] documented = [.. Documented.SelectMany(d => d.Instruments)];
        Assert.Empty(documented.Except(instruments.Select(i => i.Name)));
        Assert.All(instruments, i => Assert.Equal(CortexDiagnostics.Version, i.Meter.Version));

        // And what these components report comes through them.
        Assert.Contains(("cortex.cache.requests", CacheName), tagged);
        Assert.Contains(("cortex.pool.resources", PoolName), tagged);
        Assert.Contains(("cortex.requests", MonitorName), tagged);
    }
}
