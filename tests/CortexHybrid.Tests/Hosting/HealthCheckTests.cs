using CortexHybrid.Caching;
using CortexHybrid.HealthChecks;
using CortexHybrid.Metrics;
using CortexHybrid.Pooling;
using CortexHybrid.Tests.Caching;
using CortexHybrid.Tests.Pooling;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Hosting;

/// <summary>The checks' thresholds at their boundaries, called directly; and the registrations for keyed components.</summary>
public sealed class HealthCheckTests
{
    private static readonly TimeSpan Target = TimeSpan.FromMilliseconds(100);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 8, 1, 0, 0, 0, TimeSpan.Zero));

    private static HealthCheckContext Context(IHealthCheck check, HealthStatus failureStatus = HealthStatus.Unhealthy) =>
        new() { Registration = new HealthCheckRegistration("test", check, failureStatus, tags: null) };

    private static HealthCheckResult Check(IHealthCheck check, HealthStatus failureStatus = HealthStatus.Unhealthy) =>
        check.CheckHealthAsync(Context(check, failureStatus)).GetAwaiter().GetResult();

    /// <summary>A monitor on the fake clock with <paramref name="requests"/> requests of <paramref name="latency"/>, <paramref name="errors"/> of them failed.</summary>
    private PerformanceMonitor Monitor(TimeSpan latency, int requests = 20, int errors = 0, Func<long>? heap = null)
    {
        var options = new PerformanceMonitorOptions { Name = "checked-" + Guid.NewGuid().ToString("N"), LatencyTarget = Target, MemoryCheckInterval = TimeSpan.FromSeconds(10), MemoryGrowthThresholdBytes = 1_000 };
        var monitor = new PerformanceMonitor(options, _time, heap ?? (() => 0));
        for (int i = 0; i < requests; i++)
        {
            monitor.RecordResponseTime(latency, "search");
        }

        for (int i = 0; i < errors; i++)
        {
            monitor.RecordError("internal");
        }

        return monitor;
    }

    [Theory]
    [InlineData(10, 0, "Healthy")]     // p95 within the target: 1.0
    [InlineData(300, 0, "Healthy")]    // ≤ 4T: latency 0.5, score 0.85
    [InlineData(600, 0, "Degraded")]   // ≤ 8T: latency 0.25, score 0.775
    [InlineData(600, 6, "Unhealthy")]  // and 30% errors: score 0.475
    public void The_monitor_check_reports_by_the_default_thresholds(int latencyMs, int errors, string expected)
    {
        using PerformanceMonitor monitor = Monitor(TimeSpan.FromMilliseconds(latencyMs), errors: errors);
        HealthCheckResult result = Check(new PerformanceMonitorHealthCheck(monitor));

        Assert.Equal(expected, result.Status.ToString());
        Assert.Equal(monitor.GetHealthScore(), (double)result.Data["score"]);
        Assert.Equal(errors / 20.0, (double)result.Data["error_rate"]);
        Assert.Equal(latencyMs, (double)result.Data["p95_ms"], latencyMs * 0.005);
        Assert.False((bool)result.Data["memory_growth_flagged"]);
    }

    [Fact]
    public void A_score_equal_to_a_threshold_is_not_below_it()
    {
        using PerformanceMonitor monitor = Monitor(TimeSpan.FromMilliseconds(300));
        double score = monitor.GetHealthScore();
        Assert.Equal(0.85, score, 9);
        double above = Math.BitIncrement(score);

        Assert.Equal(HealthStatus.Healthy, Check(new PerformanceMonitorHealthCheck(monitor, degradedBelow: score, unhealthyBelow: 0)).Status);
        Assert.Equal(HealthStatus.Degraded, Check(new PerformanceMonitorHealthCheck(monitor, degradedBelow: above, unhealthyBelow: 0)).Status);
        Assert.Equal(HealthStatus.Degraded, Check(new PerformanceMonitorHealthCheck(monitor, degradedBelow: 1, unhealthyBelow: score)).Status);
        HealthCheckResult failing = Check(new PerformanceMonitorHealthCheck(monitor, degradedBelow: 1, unhealthyBelow: above));
        Assert.Equal(HealthStatus.Unhealthy, failing.Status);
        Assert.Contains("below 0.85", failing.Description, StringComparison.Ordinal);

        // Below unhealthyBelow reports the registration's failure status.
        Assert.Equal(HealthStatus.Degraded, Check(new PerformanceMonitorHealthCheck(monitor, degradedBelow: 1, unhealthyBelow: above), HealthStatus.Degraded).Status);
    }

    [Fact]
    public void Flagged_memory_growth_makes_a_healthy_score_Degraded()
    {
        long heap = 0;
        using PerformanceMonitor monitor = Monitor(TimeSpan.FromMilliseconds(1), heap: () => Volatile.Read(ref heap));
        var check = new PerformanceMonitorHealthCheck(monitor);
        Assert.Equal(HealthStatus.Healthy, Check(check).Status);

        Volatile.Write(ref heap, 1_000_000);
        _time.Advance(TimeSpan.FromSeconds(10));
        HealthCheckResult result = Check(check);
        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.True((bool)result.Data["memory_growth_flagged"]);
        Assert.Equal(1.0, (double)result.Data["score"], 9);
        Assert.Contains("GC heap", result.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.4, 0.5, "unhealthyBelow")]
    [InlineData(1.5, 0.5, "degradedBelow")]
    [InlineData(0.8, -0.1, "unhealthyBelow")]
    [InlineData(double.NaN, 0, "degradedBelow")]
    [InlineData(0.8, double.NaN, "unhealthyBelow")]
    public void Thresholds_out_of_order_or_range_are_refused(double degradedBelow, double unhealthyBelow, string parameter)
    {
        using var monitor = new PerformanceMonitor(timeProvider: _time);
        Assert.Equal(parameter, Assert.Throws<ArgumentOutOfRangeException>(() => new PerformanceMonitorHealthCheck(monitor, degradedBelow, unhealthyBelow)).ParamName);
        IHealthChecksBuilder builder = new ServiceCollection().AddHealthChecks();
        Assert.Equal(parameter, Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddPerformanceMonitorCheck(degradedBelow: degradedBelow, unhealthyBelow: unhealthyBelow)).ParamName);
    }

    [Fact]
    public async Task A_timed_out_or_rejected_acquire_keeps_the_pool_Degraded_for_the_exhaustion_window()
    {
        await using ResourcePool<FakeResource> pool = ResourcePool<FakeResource>.Create(
            new FakeResourceFactory(), new ResourcePoolOptions { Name = "window", MinSize = 0, MaxSize = 1, MaxWaiters = 0 }, _time);
        var check = new ResourcePoolHealthCheck<FakeResource>(pool, TimeSpan.FromMinutes(1), _time);
        Assert.Equal(HealthStatus.Healthy, Check(check).Status);

        await using (await pool.AcquireAsync())
        {
            await Assert.ThrowsAsync<PoolExhaustedException>(async () => await pool.AcquireAsync());
        }

        DateTimeOffset exhaustedAt = _time.GetUtcNow();
        HealthCheckResult recent = Check(check);
        Assert.Equal(HealthStatus.Degraded, recent.Status);
        Assert.Equal(0, (int)recent.Data["waiting"]);
        Assert.Equal(1L, (long)recent.Data["timeouts"]);
        Assert.Equal(exhaustedAt.ToString("O"), recent.Data["last_exhausted_at"]);

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HealthStatus.Degraded, Check(check).Status);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(HealthStatus.Healthy, Check(check).Status);
    }

    [Fact]
    public async Task A_failing_factory_with_resources_still_idle_is_Degraded_not_Unhealthy()
    {
        var factory = new FakeResourceFactory();
        await using ResourcePool<FakeResource> pool = ResourcePool<FakeResource>.Create(
            factory, new ResourcePoolOptions { Name = "failing", MinSize = 1, MaxSize = 3 }, _time);
        await pool.WarmUpAsync();
        var check = new ResourcePoolHealthCheck<FakeResource>(pool, timeProvider: _time);

        PooledResource<FakeResource> first = await pool.AcquireAsync();
        factory.CreateFailure = _ => new IOException("down (test)");
        await Assert.ThrowsAsync<IOException>(async () => await pool.AcquireAsync());
        Assert.Equal(HealthStatus.Unhealthy, Check(check).Status);

        await first.DisposeAsync();
        HealthCheckResult result = Check(check);
        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.True((bool)result.Data["factory_failing"]);
        Assert.Equal(1, (int)result.Data["idle"]);
        Assert.Contains("factory is failing", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_exhaustion_window_is_refused()
    {
        IHealthChecksBuilder builder = new ServiceCollection().AddHealthChecks();
        Assert.Equal("exhaustionWindow", Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddResourcePoolCheck<FakeResource>(exhaustionWindow: TimeSpan.FromSeconds(-1))).ParamName);
    }

    [Fact]
    public async Task Checks_of_keyed_components_are_named_after_them_and_take_their_failure_status()
    {
        var level3 = new FlakyDistributedCache { Failing = true };
        var factory = new FakeResourceFactory();
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddSingleton<IDistributedCache>(level3);
        builder.Services.AddTieredCache("responses");
        builder.Services.AddResourcePool<FakeResource>("encoders", _ => factory, o => { o.MinSize = 1; o.MaxSize = 2; });
        builder.Services.AddHealthChecks()
            .AddTieredCacheCheck(cacheName: "responses", failureStatus: HealthStatus.Unhealthy, tags: ["ready"])
            .AddResourcePoolCheck<FakeResource>(poolName: "encoders");
        using IHost host = await TestHosts.StartAsync(builder);
        HealthCheckService health = host.Services.GetRequiredService<HealthCheckService>();

        HealthReport before = await health.CheckHealthAsync();
        Assert.Equal(["cortex-cache-responses", "cortex-pool-encoders"], before.Entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(HealthStatus.Healthy, before.Status);
        Assert.Equal(1, (int)before.Entries["cortex-pool-encoders"].Data["idle"]);

        TieredCache cache = host.Services.GetRequiredKeyedService<TieredCache>("responses");
        Assert.Null(await cache.GetAsync("absent"));
        HealthReport after = await health.CheckHealthAsync(r => r.Tags.Contains("ready"));
        HealthReportEntry entry = Assert.Single(after.Entries).Value;
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("cache 'responses'", entry.Description, StringComparison.Ordinal);
        Assert.True((bool)entry.Data["level3_circuit_open"]);
    }
}
