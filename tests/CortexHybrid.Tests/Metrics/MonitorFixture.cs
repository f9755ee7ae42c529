using CortexHybrid.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Metrics;

/// <summary>Monitors on a fake clock, with names no other test uses (metrics are filtered by them).</summary>
internal static class MonitorFixture
{
    /// <summary>
    /// Midnight: a whole number of every slice length the tests use (1 s, 10 s, 30 s, 50 s), so a
    /// monitor created at a clock's start has its first slice and its first second begin together.
    /// </summary>
    private static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static int s_clocks;

    public static string UniqueName() => "metrics-tests-" + Guid.NewGuid().ToString("N");

    public static PerformanceMonitorOptions Options() => new() { Name = UniqueName() };

    public static (PerformanceMonitor Monitor, FakeTimeProvider Time) Create(PerformanceMonitorOptions? options = null, Func<long>? memoryProbe = null)
    {
        // Each clock starts on its own midnight, so no two tests' monitors share a timestamp.
        var time = new FakeTimeProvider(Epoch.AddDays(Interlocked.Increment(ref s_clocks)));
        return (new PerformanceMonitor(options ?? Options(), time, memoryProbe ?? (() => 0)), time);
    }

    public static OperationLatency Operation(this PerformanceSnapshot snapshot, string name) =>
        Assert.Single(snapshot.ResponseTimes, o => o.Name == name);

    public static OperationLatency Stage(this PerformanceSnapshot snapshot, string name) =>
        Assert.Single(snapshot.Stages, o => o.Name == name);

    public static ErrorCategoryFigures Category(this PerformanceSnapshot snapshot, string category) =>
        Assert.Single(snapshot.Errors.Categories, c => c.Category == category);

    /// <summary>Asserts |actual − expected| ≤ tolerance × |expected|.</summary>
    public static void WithinRelative(double expected, double actual, double tolerance, string what)
    {
        double error = Math.Abs(actual - expected) / Math.Abs(expected);
        Assert.True(error <= tolerance, $"{what}: expected {expected:R}, got {actual:R} (relative error {error:E3} > {tolerance:E3})");
    }
}
