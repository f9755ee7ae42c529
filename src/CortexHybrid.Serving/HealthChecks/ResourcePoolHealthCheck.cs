using CortexHybrid.Pooling;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CortexHybrid.HealthChecks;

/// <summary>
/// Reports a <see cref="ResourcePool{T}"/>: the registration's failure status (Unhealthy by
/// default) when its factory is failing (<see cref="PoolStatistics.FactoryFailing"/>) and it holds
/// no idle resource to hand out; Degraded when the factory is failing but resources remain, or the
/// pool is exhausted (callers waiting now, or an acquire timed out or was rejected within the last
/// <see cref="ExhaustionWindow"/>, default one minute); else Healthy. While the factory is failing,
/// each check first tries one creation, so a recovered factory shows without traffic.
/// </summary>
/// <typeparam name="T">The pooled resource type.</typeparam>
/// <remarks>
/// Data: <c>max_size</c>, <c>active</c>, <c>idle</c>, <c>waiting</c>, <c>utilization</c>,
/// <c>timeouts</c> (since start), <c>creation_failures</c> (since start), <c>factory_failing</c>,
/// <c>last_exhausted_at</c>.
/// </remarks>
public sealed class ResourcePoolHealthCheck<T> : IHealthCheck
{
    private readonly ResourcePool<T> _pool;
    private readonly TimeProvider _time;

    /// <summary>Creates the check.</summary>
    /// <param name="pool">The pool.</param>
    /// <param name="exhaustionWindow">How recent a timeout keeps the pool Degraded; null for one minute.</param>
    /// <param name="timeProvider">The pool's clock; null for <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="pool"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="exhaustionWindow"/> is negative.</exception>
    public ResourcePoolHealthCheck(ResourcePool<T> pool, TimeSpan? exhaustionWindow = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        TimeSpan window = exhaustionWindow ?? TimeSpan.FromMinutes(1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.Zero, nameof(exhaustionWindow));
        _pool = pool;
        _time = timeProvider ?? TimeProvider.System;
        ExhaustionWindow = window;
    }

    /// <summary>How recent a timed-out or rejected acquire keeps the pool Degraded.</summary>
    public TimeSpan ExhaustionWindow { get; }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);

        // A failing factory is retried once here, so the check reports recovery even when no
        // traffic reaches the pool (an instance a readiness probe took out of rotation).
        await _pool.ProbeFactoryAsync(cancellationToken).ConfigureAwait(false);
        PoolStatistics s = _pool.GetStatistics();
        bool recentlyExhausted = s.LastExhaustedAt is DateTimeOffset at && _time.GetUtcNow() - at <= ExhaustionWindow;
        var data = new Dictionary<string, object>
        {
            ["max_size"] = s.MaxSize,
            ["active"] = s.Active,
            ["idle"] = s.Idle,
            ["waiting"] = s.Waiting,
            ["utilization"] = s.UtilizationRate,
            ["timeouts"] = s.Timeouts,
            ["creation_failures"] = s.CreationFailures,
            ["factory_failing"] = s.FactoryFailing,
            ["last_exhausted_at"] = s.LastExhaustedAt?.ToString("O") ?? "never",
        };
        string figures = $"pool '{_pool.Name}': {s.Active} of {s.MaxSize} in use, {s.Idle} idle, {s.Waiting} waiting";
        HealthCheckResult result;
        if (s.FactoryFailing && s.Idle == 0)
        {
            result = new HealthCheckResult(context.Registration.FailureStatus, $"{figures}; the resource factory is failing and no resource is idle", data: data);
        }
        else if (s.FactoryFailing)
        {
            result = HealthCheckResult.Degraded($"{figures}; the resource factory is failing", data: data);
        }
        else if (s.Waiting > 0 || recentlyExhausted)
        {
            result = HealthCheckResult.Degraded($"{figures}; exhausted (an acquire timed out or was rejected at {s.LastExhaustedAt:O})", data: data);
        }
        else
        {
            result = HealthCheckResult.Healthy(figures, data);
        }

        return result;
    }
}
