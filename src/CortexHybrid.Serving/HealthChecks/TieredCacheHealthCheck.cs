using CortexHybrid.Caching;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CortexHybrid.HealthChecks;

/// <summary>
/// Reports a <see cref="TieredCache"/>: Degraded (the registration's failure status, Degraded by
/// default) while level 3's circuit is open (<see cref="CacheStatistics.Level3CircuitOpen"/>: calls
/// are served from levels 1 and 2 and the factories, never failed, but level 3 is out of reach),
/// else Healthy. While the circuit is open and a retry is due, each check first makes one level 3 call.
/// </summary>
/// <remarks>
/// Data: <c>hit_rate</c>, <c>l1_hit_rate</c>, <c>entries_l1</c>, <c>entries_l2</c>,
/// <c>entries_l3</c>, <c>size_bytes</c>, <c>level3_errors</c> (since start), <c>level3_circuit_open</c>.
/// </remarks>
public sealed class TieredCacheHealthCheck : IHealthCheck
{
    private readonly TieredCache _cache;

    /// <summary>Creates the check.</summary>
    /// <param name="cache">The cache.</param>
    /// <exception cref="ArgumentNullException"><paramref name="cache"/> is null.</exception>
    public TieredCacheHealthCheck(TieredCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);

        // An open circuit is retried here when due, so recovery shows even without traffic.
        await _cache.ProbeLevel3Async(cancellationToken).ConfigureAwait(false);
        CacheStatistics s = _cache.GetStatistics();
        var data = new Dictionary<string, object>
        {
            ["hit_rate"] = s.HitRate,
            ["l1_hit_rate"] = s.L1HitRate,
            ["entries_l1"] = s.L1Count,
            ["entries_l2"] = s.L2Count,
            ["entries_l3"] = s.L3Count,
            ["size_bytes"] = s.SizeBytes,
            ["level3_errors"] = s.Level3Errors,
            ["level3_circuit_open"] = s.Level3CircuitOpen,
        };
        string figures = $"cache '{_cache.Name}': hit rate {s.HitRate:P1}, {s.L1Count + s.L2Count} entries in process";
        HealthCheckResult result = s.Level3CircuitOpen
            ? new HealthCheckResult(context.Registration.FailureStatus, $"{figures}; level 3 is unreachable (circuit open after {s.Level3Errors} failed calls), calls are served without it", data: data)
            : HealthCheckResult.Healthy(figures, data);
        return result;
    }
}
