using CortexHybrid.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CortexHybrid.HealthChecks;

/// <summary>
/// Reports the <see cref="PerformanceMonitor"/>'s health score: Healthy at or above
/// <see cref="DegradedBelow"/> (default 0.8), Degraded from <see cref="UnhealthyBelow"/> (default
/// 0.5) up to it, else the registration's failure status (Unhealthy by default). Flagged memory
/// growth makes a healthy score Degraded.
/// </summary>
/// <remarks>
/// Data: <c>score</c>, <c>requests_per_second</c>, <c>error_rate</c> (over the monitor's window, the
/// categories the score counts), <c>ignored_error_rate</c> (those it leaves out, see
/// <see cref="PerformanceMonitorOptions.HealthIgnoredErrorCategories"/>),
/// <c>p95_ms</c> (the slowest operation's window p95), <c>memory_growth_flagged</c>.
/// </remarks>
public sealed class PerformanceMonitorHealthCheck : IHealthCheck
{
    private readonly PerformanceMonitor _monitor;

    /// <summary>Creates the check.</summary>
    /// <param name="monitor">The monitor.</param>
    /// <param name="degradedBelow">Scores below this are Degraded (or worse); 0 to 1.</param>
    /// <param name="unhealthyBelow">Scores below this fail; 0 to <paramref name="degradedBelow"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="monitor"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A threshold is outside 0 to 1, or <paramref name="unhealthyBelow"/> is above <paramref name="degradedBelow"/>.</exception>
    public PerformanceMonitorHealthCheck(PerformanceMonitor monitor, double degradedBelow = 0.8, double unhealthyBelow = 0.5)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        ValidateThresholds(degradedBelow, unhealthyBelow);
        _monitor = monitor;
        DegradedBelow = degradedBelow;
        UnhealthyBelow = unhealthyBelow;
    }

    /// <summary>Throws unless 0 ≤ <paramref name="unhealthyBelow"/> ≤ <paramref name="degradedBelow"/> ≤ 1.</summary>
    internal static void ValidateThresholds(double degradedBelow, double unhealthyBelow)
    {
        if (!(degradedBelow is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(degradedBelow), degradedBelow, "degradedBelow must be from 0 to 1.");
        }

        if (!(unhealthyBelow >= 0 && unhealthyBelow <= degradedBelow))
        {
            throw new ArgumentOutOfRangeException(nameof(unhealthyBelow), unhealthyBelow, $"unhealthyBelow must be from 0 to degradedBelow ({degradedBelow}).");
        }
    }

    /// <summary>Scores below this are Degraded.</summary>
    public double DegradedBelow { get; }

    /// <summary>Scores below this report the registration's failure status.</summary>
    public double UnhealthyBelow { get; }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        (PerformanceSnapshot snapshot, bool growth) = _monitor.HealthFigures();
        double score = snapshot.HealthScore;
        double p95 = snapshot.ResponseTimes.Count == 0 ? 0 : snapshot.ResponseTimes.Max(o => o.Window.P95Milliseconds);
        IReadOnlyList<string> ignored = _monitor.HealthIgnoredErrorCategories;
        double ignoredRate = snapshot.Errors.Categories.Where(c => ignored.Contains(c.Category)).Sum(c => c.Rate);
        double errorRate = snapshot.Errors.ErrorRate - ignoredRate;
        var data = new Dictionary<string, object>
        {
            ["score"] = score,
            ["requests_per_second"] = snapshot.Throughput.RequestsPerSecond,
            ["error_rate"] = errorRate,
            ["ignored_error_rate"] = ignoredRate,
            ["p95_ms"] = p95,
            ["memory_growth_flagged"] = growth,
        };
        string summary = $"health score {score:0.00} (p95 {p95:0.###} ms, {snapshot.Throughput.RequestsPerSecond:0.#} requests/s, error rate {errorRate:P1})";
        HealthCheckResult result = score < UnhealthyBelow
            ? new HealthCheckResult(context.Registration.FailureStatus, $"{summary}: below {UnhealthyBelow:0.00}", data: data)
            : score < DegradedBelow
                ? HealthCheckResult.Degraded($"{summary}: below {DegradedBelow:0.00}", data: data)
                : growth
                    ? HealthCheckResult.Degraded($"{summary}, but the GC heap grew past the memory check's threshold", data: data)
                    : HealthCheckResult.Healthy(summary, data);
        return Task.FromResult(result);
    }
}
