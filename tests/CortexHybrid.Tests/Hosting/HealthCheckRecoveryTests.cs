using CortexHybrid.Caching;
using CortexHybrid.HealthChecks;
using CortexHybrid.Metrics;
using CortexHybrid.Pooling;
using CortexHybrid.Tests.Caching;
using CortexHybrid.Tests.Pooling;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Hosting;

/// <summary>
/// A check reports recovery without traffic: an instance a readiness probe took out of rotation
/// gets none, so a failing factory and an open level 3 circuit are retried by the check itself.
/// And a perfect monitor scores exactly 1.
/// </summary>
public sealed class HealthCheckRecoveryTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 8, 1, 0, 0, 0, TimeSpan.Zero));

    private static Task<HealthCheckResult> CheckAsync(IHealthCheck check, HealthStatus failureStatus) =>
        check.CheckHealthAsync(new HealthCheckContext { Registration = new HealthCheckRegistration("test", check, failureStatus, tags: null) });

    [Fact]
    public async Task A_recovered_factory_makes_the_pool_healthy_at_the_next_check_with_no_acquire_in_between()
    {
        var factory = new FakeResourceFactory { CreateFailure = _ => new IOException("down (test)") };
        await using ResourcePool<FakeResource> pool = ResourcePool<FakeResource>.Create(
            factory, new ResourcePoolOptions { Name = "recovering", MinSize = 0, MaxSize = 2, HealthCheckInterval = Timeout.InfiniteTimeSpan }, _time);
        await Assert.ThrowsAsync<IOException>(async () => await pool.AcquireAsync());
        var check = new ResourcePoolHealthCheck<FakeResource>(pool, timeProvider: _time);

        HealthCheckResult down = await CheckAsync(check, HealthStatus.Unhealthy);
        Assert.Equal(HealthStatus.Unhealthy, down.Status);
        Assert.Equal(2, factory.Attempts); // the acquire, and the check's own try

        factory.CreateFailure = null;
        HealthCheckResult up = await CheckAsync(check, HealthStatus.Unhealthy);
        Assert.Equal(HealthStatus.Healthy, up.Status);
        Assert.False((bool)up.Data["factory_failing"]);
        Assert.Equal(1, (int)up.Data["idle"]);

        // Healthy: the check tries nothing more.
        await CheckAsync(check, HealthStatus.Unhealthy);
        Assert.Equal(3, factory.Attempts);
    }

    [Fact]
    public async Task A_recovered_level_3_closes_the_circuit_at_the_next_due_check_with_no_cache_call_in_between()
    {
        var level3 = new FlakyDistributedCache { Failing = true };
        using var cache = new TieredCache(new TieredCacheOptions { Name = "recovering" }, level3, _time);
        Assert.Null(await cache.GetAsync("absent")); // a miss reads level 3, which fails
        var check = new TieredCacheHealthCheck(cache);
        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(check, HealthStatus.Degraded)).Status);

        level3.Failing = false;
        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(check, HealthStatus.Degraded)).Status); // the retry is not due yet
        _time.Advance(TieredCache.Level3RetryDelay);
        HealthCheckResult up = await CheckAsync(check, HealthStatus.Degraded);
        Assert.Equal(HealthStatus.Healthy, up.Status);
        Assert.False((bool)up.Data["level3_circuit_open"]);
        Assert.False(cache.GetStatistics().Level3CircuitOpen);
    }

    [Fact]
    public async Task A_perfect_monitor_scores_exactly_one_and_passes_a_check_that_demands_it()
    {
        using var monitor = new PerformanceMonitor(new PerformanceMonitorOptions { Name = "perfect-" + Guid.NewGuid().ToString("N") }, _time);
        for (int i = 0; i < 10; i++)
        {
            monitor.RecordResponseTime(TimeSpan.FromMilliseconds(1), "fast");
        }

        Assert.Equal(1.0, monitor.GetHealthScore());
        HealthCheckResult result = await CheckAsync(new PerformanceMonitorHealthCheck(monitor, degradedBelow: 1, unhealthyBelow: 0.5), HealthStatus.Unhealthy);
        Assert.Equal(HealthStatus.Healthy, result.Status);
    }
}
