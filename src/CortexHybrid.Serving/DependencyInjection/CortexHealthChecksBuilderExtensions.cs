using CortexHybrid.Caching;
using CortexHybrid.HealthChecks;
using CortexHybrid.Hosting;
using CortexHybrid.Metrics;
using CortexHybrid.Pooling;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Health checks for the registered monitor, pools and caches:
/// <c>services.AddHealthChecks().AddPerformanceMonitorCheck().AddResourcePoolCheck&lt;T&gt;().AddTieredCacheCheck()</c>,
/// then <c>app.MapHealthChecks("/health")</c>. Each check reads its component's statistics only:
/// microseconds, no I/O.
/// </summary>
public static class CortexHealthChecksBuilderExtensions
{
    /// <summary>Checks the registered <see cref="PerformanceMonitor"/>'s health score (see <see cref="PerformanceMonitorHealthCheck"/> for the thresholds and data).</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name; default <c>cortex-monitor</c>.</param>
    /// <param name="degradedBelow">Scores below this are Degraded; default 0.8.</param>
    /// <param name="unhealthyBelow">Scores below this report <paramref name="failureStatus"/>; default 0.5.</param>
    /// <param name="failureStatus">What a failing score reports; null for Unhealthy.</param>
    /// <param name="tags">Tags to filter checks by (e.g. <c>ready</c>).</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A threshold is outside 0 to 1, or <paramref name="unhealthyBelow"/> is above <paramref name="degradedBelow"/>.</exception>
    public static IHealthChecksBuilder AddPerformanceMonitorCheck(
        this IHealthChecksBuilder builder,
        string name = "cortex-monitor",
        double degradedBelow = 0.8,
        double unhealthyBelow = 0.5,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        PerformanceMonitorHealthCheck.ValidateThresholds(degradedBelow, unhealthyBelow);
        return builder.Add(new HealthCheckRegistration(
            name,
            provider => new PerformanceMonitorHealthCheck(provider.GetRequiredService<PerformanceMonitor>(), degradedBelow, unhealthyBelow),
            failureStatus ?? HealthStatus.Unhealthy,
            tags));
    }

    /// <summary>Checks a registered <see cref="ResourcePool{T}"/>: failing factory, exhaustion (see <see cref="ResourcePoolHealthCheck{T}"/>).</summary>
    /// <typeparam name="T">The pooled resource type.</typeparam>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="poolName">The pool's service key, as given to <c>AddResourcePool</c>; null for the unnamed pool of <typeparamref name="T"/>.</param>
    /// <param name="name">The check's name; default <c>cortex-pool-</c> and the pool's name (or <typeparamref name="T"/>'s).</param>
    /// <param name="failureStatus">What a failing factory with nothing idle reports; null for Unhealthy.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    /// <param name="exhaustionWindow">How recent a timed-out acquire keeps the pool Degraded; null for one minute.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="exhaustionWindow"/> is negative.</exception>
    public static IHealthChecksBuilder AddResourcePoolCheck<T>(
        this IHealthChecksBuilder builder,
        string? poolName = null,
        string? name = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? exhaustionWindow = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (exhaustionWindow < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(exhaustionWindow), exhaustionWindow, "exhaustionWindow must not be negative.");
        }

        return builder.Add(new HealthCheckRegistration(
            name ?? $"cortex-pool-{poolName ?? typeof(T).Name}",
            provider => new ResourcePoolHealthCheck<T>(ServiceResolution.Resolve<ResourcePool<T>>(provider, poolName), exhaustionWindow, ServiceResolution.Time(provider)),
            failureStatus ?? HealthStatus.Unhealthy,
            tags));
    }

    /// <summary>Checks a registered <see cref="TieredCache"/>'s level 3 (see <see cref="TieredCacheHealthCheck"/>).</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="cacheName">The cache's service key, as given to <c>AddTieredCache</c>; null for the unnamed cache.</param>
    /// <param name="name">The check's name; default <c>cortex-cache</c> (and <c>-</c> and the cache's name).</param>
    /// <param name="failureStatus">What an open level 3 circuit reports; null for Degraded (the cache still serves).</param>
    /// <param name="tags">Tags to filter checks by.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static IHealthChecksBuilder AddTieredCacheCheck(
        this IHealthChecksBuilder builder,
        string? cacheName = null,
        string? name = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name ?? (cacheName is null ? "cortex-cache" : $"cortex-cache-{cacheName}"),
            provider => new TieredCacheHealthCheck(ServiceResolution.Resolve<TieredCache>(provider, cacheName)),
            failureStatus ?? HealthStatus.Degraded,
            tags));
    }
}
