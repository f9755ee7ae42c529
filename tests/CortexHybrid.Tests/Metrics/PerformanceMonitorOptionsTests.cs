using CortexHybrid.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Metrics;

public sealed class PerformanceMonitorOptionsTests
{
    /// <summary>Options with one value set: seconds for time spans, the number itself otherwise.</summary>
    private static PerformanceMonitorOptions With(string option, double value)
    {
        PerformanceMonitorOptions options = MonitorFixture.Options();
        switch (option)
        {
            case nameof(PerformanceMonitorOptions.Window):
                options.Window = TimeSpan.FromSeconds(value);
                break;
            case nameof(PerformanceMonitorOptions.WindowSlices):
                options.WindowSlices = (int)value;
                break;
            case nameof(PerformanceMonitorOptions.LatencyTarget):
                options.LatencyTarget = TimeSpan.FromSeconds(value);
                break;
            case nameof(PerformanceMonitorOptions.ThroughputTarget):
                options.ThroughputTarget = value;
                break;
            case nameof(PerformanceMonitorOptions.MemoryGrowthThresholdBytes):
                options.MemoryGrowthThresholdBytes = (long)value;
                break;
            case nameof(PerformanceMonitorOptions.MemoryCheckInterval):
                options.MemoryCheckInterval = TimeSpan.FromSeconds(value);
                break;
            case nameof(PerformanceMonitorOptions.MaxNames):
                options.MaxNames = (int)value;
                break;
            default:
                throw new ArgumentException("unknown option " + option, nameof(option));
        }

        return options;
    }

    [Theory]
    [InlineData("Window", 0)]
    [InlineData("Window", -1)]
    [InlineData("Window", -1e-7)]
    [InlineData("WindowSlices", 1)]
    [InlineData("WindowSlices", 0)]
    [InlineData("WindowSlices", -6)]
    [InlineData("WindowSlices", 61)]
    [InlineData("LatencyTarget", 0)]
    [InlineData("LatencyTarget", -0.1)]
    [InlineData("ThroughputTarget", 0)]
    [InlineData("ThroughputTarget", -5)]
    [InlineData("ThroughputTarget", double.NaN)]
    [InlineData("MemoryGrowthThresholdBytes", 0)]
    [InlineData("MemoryGrowthThresholdBytes", -1)]
    [InlineData("MemoryCheckInterval", 0)]
    [InlineData("MemoryCheckInterval", -60)]
    [InlineData("MaxNames", 0)]
    [InlineData("MaxNames", -1)]
    public void An_option_out_of_range_throws_naming_it(string option, double value)
    {
        PerformanceMonitorOptions options = With(option, value);
        var fake = Assert.Throws<ArgumentOutOfRangeException>(() => new PerformanceMonitor(options, new FakeTimeProvider()));
        Assert.Equal(option, fake.ParamName);
        Assert.Contains(option, fake.Message, StringComparison.Ordinal);

        // The public constructor on the system clock validates the same way.
        var system = Assert.Throws<ArgumentOutOfRangeException>(() => new PerformanceMonitor(options));
        Assert.Equal(option, system.ParamName);
    }

    [Theory]
    [InlineData("Window", 1e-7)]        // one tick
    [InlineData("WindowSlices", 2)]
    [InlineData("WindowSlices", 60)]
    [InlineData("LatencyTarget", 1e-7)]
    [InlineData("ThroughputTarget", 0.001)]
    [InlineData("MemoryGrowthThresholdBytes", 1)]
    [InlineData("MemoryCheckInterval", 1e-3)]
    [InlineData("MaxNames", 1)]
    public void An_option_at_the_edge_of_its_range_is_accepted(string option, double value)
    {
        var (monitor, time) = MonitorFixture.Create(With(option, value));
        using (monitor)
        {
            monitor.RecordResponseTime(TimeSpan.FromMilliseconds(3), "search");
            time.Advance(TimeSpan.FromSeconds(1));
            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(1, snapshot.Throughput.TotalRequests);
            Assert.Equal(1, snapshot.Operation("search").SinceStart.Count);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_missing_monitor_name_throws_naming_it(string? name)
    {
        PerformanceMonitorOptions options = MonitorFixture.Options();
        options.Name = name!;
        var e = Assert.ThrowsAny<ArgumentException>(() => new PerformanceMonitor(options, new FakeTimeProvider()));
        Assert.Equal(nameof(PerformanceMonitorOptions.Name), e.ParamName);
    }

    [Fact]
    public void A_memory_check_interval_beyond_the_system_timer_range_is_rejected_as_the_option()
    {
        // 60 days is positive, which is all Validated asks; the system timer takes at most about
        // 49.7 days. Either the monitor works, or the constructor reports the option (as the
        // documentation says: "An option is out of range; the message names it").
        PerformanceMonitorOptions options = MonitorFixture.Options();
        options.MemoryCheckInterval = TimeSpan.FromDays(60);
        Exception? e = Record.Exception(() => new PerformanceMonitor(options).Dispose());
        if (e is not null)
        {
            var outOfRange = Assert.IsType<ArgumentOutOfRangeException>(e);
            Assert.Equal(nameof(PerformanceMonitorOptions.MemoryCheckInterval), outOfRange.ParamName);
        }
    }

    [Fact]
    public void Options_left_at_their_defaults_are_valid()
    {
        using var monitor = new PerformanceMonitor();
        monitor.RecordResponseTime(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, monitor.GetSnapshot().Operation("request").SinceStart.Count);
    }

    [Fact]
    public void Null_or_empty_names_throw_naming_the_parameter_and_record_nothing()
    {
        var (monitor, _) = MonitorFixture.Create();
        using (monitor)
        {
            // Null and empty, before any operation was used and after one was (the last operation
            // used is remembered to skip its lookup; a missing name must not slip through there).
            for (int round = 0; round < 2; round++)
            {
                foreach (string? missing in (string?[])[null, ""])
                {
                    Assert.Equal("operation", Assert.ThrowsAny<ArgumentException>(() => monitor.StartRequest(missing!)).ParamName);
                    Assert.Equal("operation", Assert.ThrowsAny<ArgumentException>(() => monitor.RecordResponseTime(TimeSpan.FromMilliseconds(1), missing!)).ParamName);
                    Assert.Equal("category", Assert.ThrowsAny<ArgumentException>(() => monitor.RecordError(missing!)).ParamName);
                    Assert.Equal("stage", Assert.ThrowsAny<ArgumentException>(() => monitor.RecordStage(missing!, TimeSpan.FromMilliseconds(1))).ParamName);
                    Assert.Equal("name", Assert.ThrowsAny<ArgumentException>(() => monitor.Span(missing!)).ParamName);
                    RequestTimer timer = monitor.StartRequest("search");
                    Assert.Equal("category", Assert.ThrowsAny<ArgumentException>(() => timer.Fail(missing!)).ParamName);
                    timer.Dispose(); // the failed Fail recorded nothing: this records the request
                }
            }

            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(4, snapshot.Throughput.TotalRequests); // only the four disposed timers
            Assert.Equal(["search"], snapshot.ResponseTimes.Select(o => o.Name));
            Assert.Equal(0, snapshot.Errors.TotalErrors);
            Assert.Empty(snapshot.Errors.Categories);
            Assert.Empty(snapshot.Stages);
            Assert.Empty(snapshot.Spans);
        }
    }

    [Fact]
    public void Operations_past_MaxNames_go_under_other_and_every_request_still_counts()
    {
        PerformanceMonitorOptions options = MonitorFixture.Options();
        options.MaxNames = 3;
        var (monitor, _) = MonitorFixture.Create(options);
        using (monitor)
        {
            // Operation k (from 1) gets k requests, alternately timed and given their duration.
            string[] operations = ["a", "b", "c", "d", "e", "f"];
            for (int k = 1; k <= operations.Length; k++)
            {
                for (int i = 0; i < k; i++)
                {
                    if (i % 2 == 0)
                    {
                        monitor.RecordResponseTime(TimeSpan.FromMilliseconds(k), operations[k - 1]);
                    }
                    else
                    {
                        using (monitor.StartRequest(operations[k - 1]))
                        {
                        }
                    }
                }
            }

            // A name tracked before the limit was reached keeps its own figures.
            monitor.RecordResponseTime(TimeSpan.FromMilliseconds(1), "a");

            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(["a", "b", "c", PerformanceMonitor.OverflowName], snapshot.ResponseTimes.Select(o => o.Name).Order(StringComparer.Ordinal));
            Assert.Equal(2, snapshot.Operation("a").SinceStart.Count);
            Assert.Equal(2, snapshot.Operation("b").SinceStart.Count);
            Assert.Equal(3, snapshot.Operation("c").SinceStart.Count);
            Assert.Equal(4 + 5 + 6, snapshot.Operation(PerformanceMonitor.OverflowName).SinceStart.Count);
            Assert.Equal(1 + 2 + 3 + 4 + 5 + 6 + 1, snapshot.Throughput.TotalRequests);
            Assert.Equal(snapshot.Throughput.TotalRequests, snapshot.ResponseTimes.Sum(o => o.SinceStart.Count));
        }
    }

    [Fact]
    public void Stages_and_spans_past_MaxNames_go_under_other_and_every_one_still_counts()
    {
        PerformanceMonitorOptions options = MonitorFixture.Options();
        options.MaxNames = 2;
        var (monitor, time) = MonitorFixture.Create(options);
        using (monitor)
        {
            string[] names = ["parse", "rank", "fetch", "store"];
            for (int k = 1; k <= names.Length; k++)
            {
                for (int i = 0; i < k; i++)
                {
                    monitor.RecordStage(names[k - 1], TimeSpan.FromMilliseconds(k));
                    using (monitor.Span(names[k - 1]))
                    {
                        time.Advance(TimeSpan.FromMilliseconds(k));
                    }
                }
            }

            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(["other", "parse", "rank"], snapshot.Stages.Select(s => s.Name).Order(StringComparer.Ordinal));
            Assert.Equal(3 + 4, snapshot.Stage(PerformanceMonitor.OverflowName).SinceStart.Count);
            Assert.Equal(((3 * 3) + (4 * 4)) / 7.0, snapshot.Stage(PerformanceMonitor.OverflowName).SinceStart.MeanMilliseconds, 9);
            Assert.Equal(10, snapshot.Stages.Sum(s => s.SinceStart.Count));

            SpanFigures other = Assert.Single(snapshot.Spans, s => s.Name == PerformanceMonitor.OverflowName);
            Assert.Equal(3 + 4, other.Count);
            Assert.Equal((3 * 3) + (4 * 4), other.TotalMilliseconds, 9);
            Assert.Equal(3, other.MinMilliseconds, 9);
            Assert.Equal(4, other.MaxMilliseconds, 9);
            Assert.Equal(["other", "parse", "rank"], snapshot.Spans.Select(s => s.Name).Order(StringComparer.Ordinal));
            Assert.Equal(10, snapshot.Spans.Sum(s => s.Count));
        }
    }

    [Fact]
    public void Error_categories_past_1024_go_under_other_and_every_error_still_counts()
    {
        // Categories have a limit of their own (1,024), not MaxNames.
        PerformanceMonitorOptions options = MonitorFixture.Options();
        options.MaxNames = 2;
        var (monitor, _) = MonitorFixture.Create(options);
        using (monitor)
        {
            const int Categories = 1030;
            for (int c = 0; c < Categories; c++)
            {
                monitor.RecordError("category-" + c);
            }

            monitor.RecordError("category-0"); // a tracked category keeps counting under its name

            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal(Categories + 1, snapshot.Errors.TotalErrors);
            Assert.Equal(1024 + 1, snapshot.Errors.Categories.Count);
            Assert.Equal(Categories - 1024, snapshot.Category(PerformanceMonitor.OverflowName).Total);
            Assert.Equal(2, snapshot.Category("category-0").Total);
            Assert.DoesNotContain(snapshot.Errors.Categories, c => c.Category == "category-1024");
            Assert.Equal(snapshot.Errors.TotalErrors, snapshot.Errors.Categories.Sum(c => c.Total));
        }
    }
}
