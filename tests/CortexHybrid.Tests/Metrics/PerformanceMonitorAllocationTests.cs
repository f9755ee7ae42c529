using CortexHybrid.Metrics;

namespace CortexHybrid.Tests.Metrics;

/// <summary>
/// The recording calls allocate nothing (with no listener on the monitor's instruments). In one
/// collection with the instrument tests, whose listener would enable these monitors' instruments.
/// </summary>
[Collection("PerformanceMonitor instruments")]
public sealed class PerformanceMonitorAllocationTests
{
    private const int Iterations = 1_000;

    private static PerformanceMonitor Create(string clock) =>
        clock == "system"
            ? new PerformanceMonitor(MonitorFixture.Options()) // the public constructor: TimeProvider.System and the real heap probe
            : MonitorFixture.Create().Monitor;

    /// <summary>Bytes allocated on this thread by <paramref name="iterations"/> calls of <paramref name="action"/>, after as many to warm up.</summary>
    private static long AllocatedBy(Action<int> action, int iterations = Iterations)
    {
        // Warm-up: first-use work (names created, delegates cached, methods compiled and
        // re-compiled by tiered compilation) is not what is measured. Twice the loop, so the
        // measured loop is the same code the warm-up ran.
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < iterations; i++)
            {
                action(i);
            }
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < iterations; i++)
        {
            action(i);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData("system")]
    [InlineData("fake")]
    public void StartRequest_and_Dispose_allocate_nothing(string clock)
    {
        using PerformanceMonitor monitor = Create(clock);
        Assert.Equal(0, AllocatedBy(_ =>
        {
            using (monitor.StartRequest("search"))
            {
            }
        }));
        Assert.Equal(3 * Iterations, monitor.GetSnapshot().Operation("search").SinceStart.Count);
    }

    [Theory]
    [InlineData("system")]
    [InlineData("fake")]
    public void Alternating_operations_allocate_nothing(string clock)
    {
        // Two names in turn: the remembered last operation misses every time, so each call looks
        // its name up in the dictionary.
        using PerformanceMonitor monitor = Create(clock);
        Assert.Equal(0, AllocatedBy(i =>
        {
            using (monitor.StartRequest(i % 2 == 0 ? "search" : "index"))
            {
            }
        }));
        Assert.Equal(3 * Iterations / 2, monitor.GetSnapshot().Operation("index").SinceStart.Count);
    }

    [Theory]
    [InlineData("system")]
    [InlineData("fake")]
    public void RecordResponseTime_allocates_nothing(string clock)
    {
        using PerformanceMonitor monitor = Create(clock);
        Assert.Equal(0, AllocatedBy(i => monitor.RecordResponseTime(TimeSpan.FromMicroseconds(i + 1), "search")));
        Assert.Equal(3 * Iterations, monitor.GetSnapshot().Throughput.TotalRequests);
    }

    [Theory]
    [InlineData("system")]
    [InlineData("fake")]
    public void RecordStage_allocates_nothing(string clock)
    {
        using PerformanceMonitor monitor = Create(clock);
        Assert.Equal(0, AllocatedBy(i => monitor.RecordStage("fetch", TimeSpan.FromMicroseconds(i + 1))));
        Assert.Equal(3 * Iterations, monitor.GetSnapshot().Stage("fetch").SinceStart.Count);
    }

    [Theory]
    [InlineData("system")]
    [InlineData("fake")]
    public void RecordError_of_a_known_category_allocates_nothing(string clock)
    {
        using PerformanceMonitor monitor = Create(clock);
        Assert.Equal(0, AllocatedBy(_ => monitor.RecordError("timeout")));
        Assert.Equal(3 * Iterations, monitor.GetSnapshot().Category("timeout").Total);
    }

    [Theory]
    [InlineData("system")]
    [InlineData("fake")]
    public void A_span_allocates_nothing(string clock)
    {
        using PerformanceMonitor monitor = Create(clock);
        Assert.Equal(0, AllocatedBy(_ =>
        {
            using (monitor.Span("parse"))
            {
            }
        }));
        Assert.Equal(3 * Iterations, Assert.Single(monitor.GetSnapshot().Spans).Count);
    }

    [Theory]
    [InlineData("system")]
    [InlineData("fake")]
    public void Fail_allocates_nothing(string clock)
    {
        using PerformanceMonitor monitor = Create(clock);
        Assert.Equal(0, AllocatedBy(_ =>
        {
            using (RequestTimer timer = monitor.StartRequest("checkout"))
            {
                timer.Fail("timeout");
            }
        }));
        PerformanceSnapshot snapshot = monitor.GetSnapshot();
        Assert.Equal(3 * Iterations, snapshot.Throughput.TotalRequests); // once each: Fail, then Dispose does nothing
        Assert.Equal(3 * Iterations, snapshot.Category("timeout").Total);
    }
}
