using CortexHybrid.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Metrics;

public sealed class MemoryMonitorTests
{
    private const long Threshold = 1_000_000;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>A heap the test sets, read by the monitor's memory check; counts its reads.</summary>
    private sealed class Heap(long bytes)
    {
        private long _bytes = bytes;
        private int _reads;

        public long Bytes
        {
            get => Volatile.Read(ref _bytes);
            set => Volatile.Write(ref _bytes, value);
        }

        public int Reads => Volatile.Read(ref _reads);

        public long Read()
        {
            Interlocked.Increment(ref _reads);
            return Bytes;
        }
    }

    /// <summary>A monitor checking <paramref name="heap"/> every 10 s, flagging growth above 1,000,000 bytes; events collected in order.</summary>
    private static (PerformanceMonitor Monitor, FakeTimeProvider Time, List<(object? Sender, MemoryGrowthEventArgs Args)> Events) Create(Heap heap)
    {
        PerformanceMonitorOptions options = MonitorFixture.Options();
        options.MemoryCheckInterval = Interval;
        options.MemoryGrowthThresholdBytes = Threshold;
        var (monitor, time) = MonitorFixture.Create(options, heap.Read);
        var events = new List<(object?, MemoryGrowthEventArgs)>();
        monitor.MemoryGrowthDetected += (sender, e) =>
        {
            lock (events)
            {
                events.Add((sender, e));
            }
        };
        return (monitor, time, events);
    }

    [Fact]
    public void Growth_above_the_threshold_in_one_interval_raises_the_event_and_flags_the_snapshot()
    {
        var heap = new Heap(50_000_000);
        var (monitor, time, events) = Create(heap);
        using (monitor)
        {
            heap.Bytes = 50_000_000 + Threshold + 1;
            time.Advance(Interval);

            (object? sender, MemoryGrowthEventArgs e) = Assert.Single(events);
            Assert.Same(monitor, sender);
            Assert.Equal(Threshold + 1, e.GrowthBytes);
            Assert.Equal(50_000_000 + Threshold + 1, e.HeapBytes);
            Assert.Equal(Interval, e.Interval);

            ResourceUsage usage = monitor.GetSnapshot().ResourceUsage;
            Assert.True(usage.MemoryGrowthFlagged);
            Assert.Equal(Threshold + 1, usage.MemoryGrowthBytes);
        }
    }

    [Theory]
    [InlineData(0)]                 // flat
    [InlineData(Threshold - 1)]     // just below
    [InlineData(Threshold)]         // at: only growth above the threshold is flagged
    [InlineData(-5_000_000)]        // shrinking
    public void Growth_at_or_below_the_threshold_raises_nothing(long growth)
    {
        var heap = new Heap(50_000_000);
        var (monitor, time, events) = Create(heap);
        using (monitor)
        {
            heap.Bytes = 50_000_000 + growth;
            time.Advance(Interval);

            Assert.Empty(events);
            ResourceUsage usage = monitor.GetSnapshot().ResourceUsage;
            Assert.False(usage.MemoryGrowthFlagged);
            Assert.Equal(growth, usage.MemoryGrowthBytes);
        }
    }

    [Fact]
    public void Each_check_compares_with_the_previous_check_not_with_the_start()
    {
        // 0.6 × threshold per interval: never above it in one interval, though twice is.
        var heap = new Heap(10_000_000);
        var (monitor, time, events) = Create(heap);
        using (monitor)
        {
            for (int i = 1; i <= 5; i++)
            {
                heap.Bytes = 10_000_000 + (i * (Threshold * 6 / 10));
                time.Advance(Interval);
                Assert.Equal(Threshold * 6 / 10, monitor.GetSnapshot().ResourceUsage.MemoryGrowthBytes);
            }

            Assert.Empty(events);
            Assert.False(monitor.GetSnapshot().ResourceUsage.MemoryGrowthFlagged);
        }
    }

    [Fact]
    public void The_flag_clears_when_the_growth_stops_and_is_raised_again_when_it_resumes()
    {
        var heap = new Heap(0);
        var (monitor, time, events) = Create(heap);
        using (monitor)
        {
            heap.Bytes = 3 * Threshold;
            time.Advance(Interval);
            Assert.True(monitor.GetSnapshot().ResourceUsage.MemoryGrowthFlagged);

            // Flat for an interval: no longer flagged, no new event.
            time.Advance(Interval);
            ResourceUsage flat = monitor.GetSnapshot().ResourceUsage;
            Assert.False(flat.MemoryGrowthFlagged);
            Assert.Equal(0, flat.MemoryGrowthBytes);
            Assert.Single(events);

            // Growing again by 2 × threshold.
            heap.Bytes = 5 * Threshold;
            time.Advance(Interval);
            ResourceUsage again = monitor.GetSnapshot().ResourceUsage;
            Assert.True(again.MemoryGrowthFlagged);
            Assert.Equal(2 * Threshold, again.MemoryGrowthBytes);
            Assert.Equal([3 * Threshold, 2 * Threshold], events.Select(e => e.Args.GrowthBytes));
            Assert.Equal([3 * Threshold, 5 * Threshold], events.Select(e => e.Args.HeapBytes));
        }
    }

    [Fact]
    public void Nothing_is_checked_before_the_first_interval_has_passed()
    {
        var heap = new Heap(0);
        var (monitor, time, events) = Create(heap);
        using (monitor)
        {
            int readsAtStart = heap.Reads;
            heap.Bytes = 10 * Threshold;
            time.Advance(Interval - TimeSpan.FromTicks(1));
            Assert.Equal(readsAtStart, heap.Reads);
            Assert.Empty(events);
            Assert.False(monitor.GetSnapshot().ResourceUsage.MemoryGrowthFlagged);
            Assert.Equal(0, monitor.GetSnapshot().ResourceUsage.MemoryGrowthBytes);

            time.Advance(TimeSpan.FromTicks(1));
            Assert.Equal(readsAtStart + 1, heap.Reads);
            Assert.Single(events);
        }
    }

    [Fact]
    public void After_dispose_no_check_runs_and_no_event_is_raised()
    {
        var heap = new Heap(0);
        var (monitor, time, events) = Create(heap);
        heap.Bytes = 2 * Threshold;
        time.Advance(Interval);
        Assert.Single(events);

        monitor.Dispose();
        int readsAtDispose = heap.Reads;
        heap.Bytes = 100 * Threshold;
        time.Advance(10 * Interval);

        Assert.Single(events);
        Assert.Equal(readsAtDispose, heap.Reads);
    }
}
