using CortexHybrid.Caching;
using CortexHybrid.Metrics;
using CortexHybrid.Pooling;
using CortexHybrid.Tests.Caching;

namespace CortexHybrid.Tests.Metrics;

public sealed class PerformanceMonitorHealthScoreTests
{
    private const double TargetMs = 100;
    private const double TargetRate = 80;

    private static CacheStatistics Cache(long hits, long misses) => new()
    {
        // Hits spread over the three levels: every level counts as a hit.
        L1Hits = hits / 2,
        L2Hits = hits / 4,
        L3Hits = hits - (hits / 2) - (hits / 4),
        Misses = misses,
        Promotions = 0,
        Demotions = 0,
        Evictions = 0,
        Expirations = 0,
        L1Count = 0,
        L2Count = 0,
        L3Count = 0,
        SizeBytes = 0,
        CompressionRatio = 1,
        Level3Errors = 0,
        Rejections = 0,
    };

    /// <summary>A snapshot with only what the health score reads filled in.</summary>
    private static PerformanceSnapshot Snapshot(long totalRequests = 1000, double requestsPerSecond = 0, double errorRate = 0, params CacheStatistics[] caches) => new()
    {
        Timestamp = DateTimeOffset.UnixEpoch,
        Uptime = TimeSpan.FromMinutes(5),
        Window = TimeSpan.FromMinutes(1),
        ResponseTimes = [],
        Throughput = new ThroughputFigures
        {
            RequestsLastSecond = 0,
            RequestsLastMinute = 0,
            RequestsPerSecond = requestsPerSecond,
            PeakRequestsPerSecond = 0,
            TotalRequests = totalRequests,
        },
        Errors = new ErrorFigures { TotalErrors = 0, ErrorRate = errorRate, Categories = [] },
        Stages = [],
        Spans = [],
        ResourceUsage = new ResourceUsage
        {
            WorkingSetBytes = 0,
            PeakWorkingSetBytes = 0,
            CpuPercent = 0,
            GcHeapBytes = 0,
            GcCollections = [0, 0, 0],
            ThreadPoolQueueLength = 0,
            ThreadPoolThreads = 0,
            MemoryGrowthFlagged = false,
            MemoryGrowthBytes = 0,
        },
        Cache = caches.Select((c, i) => (Name: $"cache-{i}", Statistics: c)).ToDictionary(c => c.Name, c => c.Statistics),
        Pool = new Dictionary<string, PoolStatistics>(),
        Kernels = [],
        HealthScore = 0,
    };

    private static double Weighted(double latency = 1, double throughput = 1, double errors = 1, double cache = 1) =>
        (0.3 * latency) + (0.3 * throughput) + (0.3 * errors) + (0.1 * cache);

    [Theory]
    [InlineData(0.0, 1.0)]          // no latency measured
    [InlineData(50.0, 1.0)]
    [InlineData(100.0, 1.0)]        // T
    [InlineData(100.001, 0.75)]
    [InlineData(200.0, 0.75)]       // 2T
    [InlineData(200.001, 0.5)]
    [InlineData(400.0, 0.5)]        // 4T
    [InlineData(400.001, 0.25)]
    [InlineData(800.0, 0.25)]       // 8T
    [InlineData(800.001, 0.0)]
    [InlineData(60_000.0, 0.0)]
    public void Latency_bands_are_T_2T_4T_and_8T(double p95Milliseconds, double expectedPart)
    {
        double score = PerformanceMonitor.HealthScore(Snapshot(), p95Milliseconds, TargetMs, throughputTarget: null);
        Assert.Equal(Weighted(latency: expectedPart), score, 12);
    }

    [Fact]
    public void Latency_scores_full_without_requests()
    {
        double score = PerformanceMonitor.HealthScore(Snapshot(totalRequests: 0), 5000, TargetMs, throughputTarget: null);
        Assert.Equal(1.0, score, 12);
    }

    [Theory]
    [InlineData(1000.0, 1.0)]
    [InlineData(80.0, 1.0)]         // R
    [InlineData(79.999, 0.75)]
    [InlineData(40.0, 0.75)]        // R/2
    [InlineData(39.999, 0.5)]
    [InlineData(20.0, 0.5)]         // R/4
    [InlineData(19.999, 0.25)]
    [InlineData(10.0, 0.25)]        // R/8
    [InlineData(9.999, 0.0)]
    [InlineData(0.0, 0.0)]
    public void Throughput_bands_are_R_R_over_2_R_over_4_and_R_over_8(double requestsPerSecond, double expectedPart)
    {
        double score = PerformanceMonitor.HealthScore(Snapshot(requestsPerSecond: requestsPerSecond), 10, TargetMs, TargetRate);
        Assert.Equal(Weighted(throughput: expectedPart), score, 12);
    }

    [Fact]
    public void Throughput_scores_full_without_a_target()
    {
        double score = PerformanceMonitor.HealthScore(Snapshot(requestsPerSecond: 0), 10, TargetMs, throughputTarget: null);
        Assert.Equal(1.0, score, 12);
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.01, 1.0)]
    [InlineData(0.0101, 0.75)]
    [InlineData(0.05, 0.75)]
    [InlineData(0.0501, 0.5)]
    [InlineData(0.10, 0.5)]
    [InlineData(0.1001, 0.25)]
    [InlineData(0.25, 0.25)]
    [InlineData(0.2501, 0.0)]
    [InlineData(1.0, 0.0)]
    public void Error_bands_are_1_5_10_and_25_percent(double errorRate, double expectedPart)
    {
        double score = PerformanceMonitor.HealthScore(Snapshot(errorRate: errorRate), 10, TargetMs, throughputTarget: null);
        Assert.Equal(Weighted(errors: expectedPart), score, 12);
    }

    [Fact]
    public void Error_categories_the_monitor_is_told_to_ignore_do_not_lower_the_score()
    {
        using var monitor = new PerformanceMonitor(
            new PerformanceMonitorOptions { Name = MonitorFixture.UniqueName(), HealthIgnoredErrorCategories = ["validation"] },
            new Microsoft.Extensions.Time.Testing.FakeTimeProvider());
        for (int i = 0; i < 100; i++)
        {
            using RequestTimer timer = monitor.StartRequest("call");
            if (i < 50)
            {
                timer.Fail("validation"); // a client's mistakes: half the calls
            }
        }

        Assert.Equal(0.5, monitor.GetSnapshot().Errors.ErrorRate, 12); // still reported
        Assert.Equal(1.0, monitor.GetHealthScore());

        using (RequestTimer failing = monitor.StartRequest("call"))
        {
            failing.Fail("internal");
        }

        for (int i = 0; i < 2; i++)
        {
            using RequestTimer timer = monitor.StartRequest("call");
            timer.Fail("internal"); // 3 server faults in 103 requests: above 1%
        }

        Assert.Equal(Weighted(errors: 0.75), monitor.GetHealthScore(), 12);
    }

    [Theory]
    [InlineData(0, 0, 1.0)]         // no reads
    [InlineData(100, 0, 1.0)]
    [InlineData(80, 20, 1.0)]
    [InlineData(79, 21, 0.75)]
    [InlineData(60, 40, 0.75)]
    [InlineData(59, 41, 0.5)]
    [InlineData(40, 60, 0.5)]
    [InlineData(39, 61, 0.25)]
    [InlineData(20, 80, 0.25)]
    [InlineData(19, 81, 0.0)]
    [InlineData(0, 100, 0.0)]
    public void Cache_bands_are_80_60_40_and_20_percent_hits(long hits, long misses, double expectedPart)
    {
        double score = PerformanceMonitor.HealthScore(Snapshot(caches: Cache(hits, misses)), 10, TargetMs, throughputTarget: null);
        Assert.Equal(Weighted(cache: expectedPart), score, 12);
    }

    [Fact]
    public void The_cache_part_is_the_hit_rate_of_all_attached_caches_together()
    {
        // 90 of 100 and 10 of 300: 100 of 400 reads hit, 25% (0.25); scoring each cache and taking
        // the mean would give 0.5.
        double score = PerformanceMonitor.HealthScore(Snapshot(caches: [Cache(90, 10), Cache(10, 290)]), 10, TargetMs, throughputTarget: null);
        Assert.Equal(Weighted(cache: 0.25), score, 12);
        Assert.Equal(1.0, PerformanceMonitor.HealthScore(Snapshot(caches: [Cache(0, 0), Cache(0, 0)]), 10, TargetMs, null), 12);
    }

    [Fact]
    public void Parts_in_different_bands_add_up_with_weights_0_3_0_3_0_3_and_0_1()
    {
        double score = PerformanceMonitor.HealthScore(Snapshot(requestsPerSecond: 20, errorRate: 0.2, caches: Cache(10, 90)), 150, TargetMs, TargetRate);
        Assert.Equal((0.3 * 0.75) + (0.3 * 0.5) + (0.3 * 0.25) + (0.1 * 0.0), score, 12);
        Assert.Equal(0.0, PerformanceMonitor.HealthScore(Snapshot(requestsPerSecond: 1, errorRate: 0.5, caches: Cache(1, 99)), 1000, TargetMs, TargetRate), 12);
    }

    // End to end, through recording.

    [Fact]
    public void A_monitor_with_nothing_recorded_scores_full()
    {
        var (monitor, _) = MonitorFixture.Create();
        using (monitor)
        {
            Assert.Equal(1.0, monitor.GetHealthScore(), 12);
            Assert.Equal(monitor.GetHealthScore(), monitor.GetSnapshot().HealthScore);
        }
    }

    [Theory]
    [InlineData(90, 1.0)]
    [InlineData(150, 0.75)]
    [InlineData(350, 0.5)]
    [InlineData(700, 0.25)]
    [InlineData(900, 0.0)]
    public void The_latency_part_follows_the_p95_of_the_window(int milliseconds, double expectedPart)
    {
        // 94 fast requests and 6 at the given time: the p95 (rank 95 of 100) is one of the six.
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            for (int i = 0; i < 94; i++)
            {
                monitor.RecordResponseTime(TimeSpan.FromMilliseconds(1), "search");
            }

            for (int i = 0; i < 6; i++)
            {
                monitor.RecordResponseTime(TimeSpan.FromMilliseconds(milliseconds), i % 2 == 0 ? "search" : "index");
            }

            Assert.Equal(Weighted(latency: expectedPart), monitor.GetHealthScore(), 12);

            // Once the window has moved past them, no request is in it: full marks.
            time.Advance(TimeSpan.FromMinutes(2));
            Assert.Equal(1.0, monitor.GetHealthScore(), 12);
        }
    }

    [Fact]
    public void Requests_taking_exactly_the_latency_target_score_full_latency()
    {
        // "up to T scores 1": a p95 of exactly T (here 1 ms) is up to T.
        PerformanceMonitorOptions options = MonitorFixture.Options();
        options.LatencyTarget = TimeSpan.FromMilliseconds(1);
        var (monitor, _) = MonitorFixture.Create(options);
        using (monitor)
        {
            for (int i = 0; i < 100; i++)
            {
                monitor.RecordResponseTime(TimeSpan.FromMilliseconds(1), "search");
            }

            Assert.Equal(1.0, monitor.GetHealthScore(), 12);
        }
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(1, 1.0)]
    [InlineData(2, 0.75)]
    [InlineData(5, 0.75)]
    [InlineData(6, 0.5)]
    [InlineData(10, 0.5)]
    [InlineData(11, 0.25)]
    [InlineData(25, 0.25)]
    [InlineData(26, 0.0)]
    public void The_error_part_follows_errors_per_hundred_requests(int errors, double expectedPart)
    {
        var (monitor, _) = MonitorFixture.Create();
        using (monitor)
        {
            for (int i = 0; i < 100; i++)
            {
                monitor.RecordResponseTime(TimeSpan.FromMilliseconds(1), "search");
            }

            for (int i = 0; i < errors; i++)
            {
                monitor.RecordError(i % 2 == 0 ? "timeout" : "validation");
            }

            Assert.Equal(Weighted(errors: expectedPart), monitor.GetHealthScore(), 12);
        }
    }

    [Theory]
    [InlineData(10, 1.0)]
    [InlineData(9, 0.75)]
    public void The_throughput_part_follows_requests_per_second_over_the_last_minute(int inTheLastSecond, double expectedPart)
    {
        // 10 a second for a minute is exactly the target; one fewer in the last second is just under it.
        PerformanceMonitorOptions options = MonitorFixture.Options();
        options.ThroughputTarget = 10;
        var (monitor, time) = MonitorFixture.Create(options);
        using (monitor)
        {
            for (int s = 0; s < 60; s++)
            {
                int count = s == 59 ? inTheLastSecond : 10;
                for (int i = 0; i < count; i++)
                {
                    monitor.RecordResponseTime(TimeSpan.FromMilliseconds(1), "search");
                }

                time.Advance(TimeSpan.FromSeconds(1));
            }

            PerformanceSnapshot snapshot = monitor.GetSnapshot();
            Assert.Equal((590 + inTheLastSecond) / 60.0, snapshot.Throughput.RequestsPerSecond, 12);
            Assert.Equal(Weighted(throughput: expectedPart), snapshot.HealthScore, 12);

            // A minute later with nothing finished: nothing per second, no part.
            time.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal(Weighted(throughput: 0), monitor.GetHealthScore(), 12);
        }
    }

    [Theory]
    [InlineData(4, 1, 1.0)]
    [InlineData(3, 1, 0.75)]
    [InlineData(1, 1, 0.5)]
    [InlineData(1, 4, 0.25)]
    [InlineData(0, 3, 0.0)]
    [InlineData(0, 0, 1.0)]
    public async Task The_cache_part_follows_the_hit_rate_of_an_attached_cache(int hits, int misses, double expectedPart)
    {
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        using (var cache = new TieredCache(CacheTestData.Small(l1: 10, l2: 10, l3: 10), timeProvider: time))
        {
            monitor.Attach(cache);
            await cache.SetAsync("present", CacheTestData.Value100("present"));
            for (int i = 0; i < hits; i++)
            {
                Assert.NotNull(await cache.GetAsync("present"));
            }

            for (int i = 0; i < misses; i++)
            {
                Assert.Null(await cache.GetAsync("absent-" + i));
            }

            Assert.Equal(Weighted(cache: expectedPart), monitor.GetHealthScore(), 12);
        }
    }
}
