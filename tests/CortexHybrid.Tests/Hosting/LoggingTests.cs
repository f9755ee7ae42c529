using CortexHybrid.Caching;
using CortexHybrid.Metrics;
using CortexHybrid.Pooling;
using CortexHybrid.Search;
using CortexHybrid.Tests.Caching;
using CortexHybrid.Tests.Pooling;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Hosting;

/// <summary>Every event the serving package logs, provoked for real in a host; and silence on the paths that succeed.</summary>
public sealed class LoggingTests
{
    private const string PoolCategory = "CortexHybrid.Pooling.ResourcePool";

    private readonly CapturingLoggerProvider _logs = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A host on the fake clock, logging everything to <see cref="_logs"/>.</summary>
    private HostApplicationBuilder Builder()
    {
        HostApplicationBuilder builder = TestHosts.Builder(logs: _logs);
        builder.Services.AddSingleton<TimeProvider>(_time);
        return builder;
    }

    /// <summary>A host with one pool named "logged" of resources from <paramref name="factory"/>.</summary>
    private async Task<(IHost Host, ResourcePool<FakeResource> Pool)> StartPoolAsync(IResourceFactory<FakeResource> factory, Action<ResourcePoolOptions> configure)
    {
        HostApplicationBuilder builder = Builder();
        builder.Services.AddResourcePool<FakeResource>("logged", _ => factory, configure);
        IHost host = await TestHosts.StartAsync(builder);
        return (host, host.Services.GetRequiredKeyedService<ResourcePool<FakeResource>>("logged"));
    }

    /// <summary>The one entry with <paramref name="id"/>, checked for its name, level and category.</summary>
    private LogEntry Single(int id, string name, LogLevel level, string categoryPrefix)
    {
        LogEntry entry = Assert.Single(_logs.WithId(id));
        Assert.Equal(name, entry.EventId.Name);
        Assert.Equal(level, entry.Level);
        Assert.StartsWith(categoryPrefix, entry.Category, StringComparison.Ordinal);
        return entry;
    }

    [Fact]
    public async Task A_factory_that_throws_logs_ResourceCreationFailed_1001_at_warm_up_and_on_acquire()
    {
        var failure = new IOException("database down (test)");
        var factory = new FakeResourceFactory { CreateFailure = _ => failure };
        (IHost host, ResourcePool<FakeResource> pool) = await StartPoolAsync(factory, o => { o.MinSize = 1; o.MaxSize = 2; });
        using (host)
        {
            LogEntry warmUp = Single(1001, "ResourceCreationFailed", LogLevel.Warning, PoolCategory);
            Assert.Same(failure, warmUp.Exception);
            Assert.Contains("'logged'", warmUp.Message, StringComparison.Ordinal);

            await Assert.ThrowsAsync<IOException>(async () => await pool.AcquireAsync());
            Assert.Equal(2, _logs.WithId(1001).Count);
            Assert.All(_logs.CortexEntries, e => Assert.Equal(1001, e.EventId.Id));
        }
    }

    [Fact]
    public async Task A_failed_check_on_acquire_logs_ResourceHealthCheckFailed_1002()
    {
        var factory = new FakeResourceFactory();
        (IHost host, ResourcePool<FakeResource> pool) = await StartPoolAsync(factory, o => { o.MinSize = 1; o.MaxSize = 2; o.ValidateOnAcquire = true; });
        using (host)
        {
            Assert.True(factory.Created.TryPeek(out FakeResource? warm));
            warm.Healthy = false;
            await using (PooledResource<FakeResource> lease = await pool.AcquireAsync())
            {
                Assert.NotSame(warm, lease.Value);
            }

            LogEntry entry = Single(1002, "ResourceHealthCheckFailed", LogLevel.Warning, PoolCategory);
            Assert.Null(entry.Exception);
            Assert.Contains("'logged'", entry.Message, StringComparison.Ordinal);
            Assert.True(warm.Destroyed);
        }
    }

    [Fact]
    public async Task A_reset_that_throws_logs_ResourceResetFailed_1003()
    {
        var factory = new FakeResourceFactory();
        (IHost host, ResourcePool<FakeResource> pool) = await StartPoolAsync(factory, o => { o.MinSize = 0; o.MaxSize = 2; });
        using (host)
        {
            PooledResource<FakeResource> lease = await pool.AcquireAsync();
            FakeResource resource = lease.Value;
            resource.FailReset = true;
            await lease.DisposeAsync();

            LogEntry entry = Single(1003, "ResourceResetFailed", LogLevel.Warning, PoolCategory);
            Assert.IsType<IOException>(entry.Exception);
            Assert.True(resource.Destroyed);
        }
    }

    [Fact]
    public async Task A_resource_held_past_the_threshold_logs_ResourceLeakDetected_1004_once()
    {
        var factory = new FakeResourceFactory();
        (IHost host, ResourcePool<FakeResource> pool) = await StartPoolAsync(factory, o => { o.MinSize = 1; o.MaxSize = 2; o.LeakDetectionThreshold = TimeSpan.FromSeconds(10); });
        using (host)
        {
            await using PooledResource<FakeResource> lease = await pool.AcquireAsync();
            _time.Advance(TimeSpan.FromSeconds(7.5));
            Assert.Empty(_logs.WithId(1004));
            _time.Advance(TimeSpan.FromSeconds(5));

            LogEntry entry = Single(1004, "ResourceLeakDetected", LogLevel.Warning, PoolCategory);
            Assert.Contains("'logged'", entry.Message, StringComparison.Ordinal);
            Assert.Contains(nameof(A_resource_held_past_the_threshold_logs_ResourceLeakDetected_1004_once), entry.Message, StringComparison.Ordinal);

            // Once per loan.
            _time.Advance(TimeSpan.FromMinutes(1));
            Assert.Single(_logs.WithId(1004));
            Assert.Equal(1, pool.GetStatistics().LeaksDetected);
        }
    }

    [Fact]
    public async Task An_acquire_that_times_out_logs_PoolExhausted_1005()
    {
        var factory = new FakeResourceFactory();
        (IHost host, ResourcePool<FakeResource> pool) = await StartPoolAsync(factory, o => { o.MinSize = 0; o.MaxSize = 1; o.AcquireTimeout = TimeSpan.FromSeconds(5); });
        using (host)
        {
            await using PooledResource<FakeResource> held = await pool.AcquireAsync();
            ValueTask<PooledResource<FakeResource>> waiting = pool.AcquireAsync();
            Assert.False(waiting.IsCompleted);
            Assert.Empty(_logs.WithId(1005));
            _time.Advance(TimeSpan.FromSeconds(5));

            await Assert.ThrowsAsync<PoolExhaustedException>(async () => await waiting);
            LogEntry entry = Single(1005, "PoolExhausted", LogLevel.Warning, PoolCategory);
            Assert.Contains("Pool 'logged' is exhausted: Timed out after 00:00:05", entry.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_rejected_acquire_logs_PoolExhausted_1005()
    {
        var factory = new FakeResourceFactory();
        (IHost host, ResourcePool<FakeResource> pool) = await StartPoolAsync(factory, o => { o.MinSize = 0; o.MaxSize = 1; o.MaxWaiters = 0; });
        using (host)
        {
            await using PooledResource<FakeResource> held = await pool.AcquireAsync();
            await Assert.ThrowsAsync<PoolExhaustedException>(async () => await pool.AcquireAsync());

            LogEntry entry = Single(1005, "PoolExhausted", LogLevel.Warning, PoolCategory);
            Assert.Contains("rejected the request at once", entry.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_destroy_that_throws_logs_ResourceDestroyFailed_1006()
    {
        var factory = new DestroyFailingFactory { FailDestroy = true };
        (IHost host, ResourcePool<FakeResource> pool) = await StartPoolAsync(factory, o => { o.MinSize = 0; o.MaxSize = 1; });
        using (host)
        {
            PooledResource<FakeResource> lease = await pool.AcquireAsync();
            lease.MarkBroken();
            await lease.DisposeAsync();

            LogEntry entry = Single(1006, "ResourceDestroyFailed", LogLevel.Warning, PoolCategory);
            Assert.IsType<IOException>(entry.Exception);
            Assert.Equal(1, pool.GetStatistics().DestroyFailures);
        }
    }

    [Fact]
    public async Task Level_3_failing_logs_2001_and_2002_and_recovering_logs_2003()
    {
        var level3 = new FlakyDistributedCache();
        HostApplicationBuilder builder = Builder();
        builder.Services.AddSingleton<IDistributedCache>(level3);
        builder.Services.AddTieredCache(o => o.Name = "logged-cache");
        using IHost host = await TestHosts.StartAsync(builder);
        TieredCache cache = host.Services.GetRequiredService<TieredCache>();
        const string category = "CortexHybrid.Caching.TieredCache";

        level3.Failing = true;
        Assert.Null(await cache.GetAsync("a"));
        LogEntry failed = Single(2001, "Level3CallFailed", LogLevel.Warning, category);
        Assert.IsType<IOException>(failed.Exception);
        Assert.Contains("Cache 'logged-cache': a level 3 get failed", failed.Message, StringComparison.Ordinal);
        LogEntry opened = Single(2002, "Level3CircuitOpened", LogLevel.Warning, category);
        Assert.Contains("'logged-cache'", opened.Message, StringComparison.Ordinal);
        Assert.True(cache.GetStatistics().Level3CircuitOpen);

        // Within the retry delay level 3 is skipped: no call, nothing more logged.
        int calls = level3.Calls;
        Assert.Null(await cache.GetAsync("b"));
        Assert.Equal(calls, level3.Calls);
        Assert.Equal(2, _logs.CortexEntries.Count);

        level3.Failing = false;
        _time.Advance(TieredCache.Level3RetryDelay);
        Assert.Null(await cache.GetAsync("c"));
        LogEntry closed = Single(2003, "Level3CircuitClosed", LogLevel.Information, category);
        Assert.Contains("'logged-cache': level 3 circuit closed; a call succeeded after 1 failed", closed.Message, StringComparison.Ordinal);
        Assert.False(cache.GetStatistics().Level3CircuitOpen);
        Assert.Equal(3, _logs.CortexEntries.Count);
    }

    [Fact]
    public void Memory_growth_logs_MemoryGrowthDetected_3001()
    {
        long heap = 10_000_000;
        using ILoggerFactory loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(_logs));
        var options = new PerformanceMonitorOptions { Name = "logged-monitor", MemoryCheckInterval = TimeSpan.FromSeconds(10), MemoryGrowthThresholdBytes = 1_000 };
        using var monitor = new PerformanceMonitor(options, _time, () => Volatile.Read(ref heap), loggerFactory.CreateLogger<PerformanceMonitor>());

        Volatile.Write(ref heap, 10_000_500);
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(_logs.Entries);
        Volatile.Write(ref heap, 10_002_000);
        _time.Advance(TimeSpan.FromSeconds(10));

        LogEntry entry = Single(3001, "MemoryGrowthDetected", LogLevel.Warning, "CortexHybrid.Metrics.PerformanceMonitor");
        Assert.Equal("Monitor 'logged-monitor': the GC heap grew by 1500 bytes in 00:00:10 to 10002000 bytes (threshold 1000).", entry.Message);
    }

    [Fact]
    public async Task Successful_work_logs_nothing_at_any_level()
    {
        HostApplicationBuilder builder = TestHosts.Builder(logs: _logs);
        builder.Services.AddTieredCache(o => { o.L1Capacity = 8; o.L2Capacity = 8; o.PromotionThreshold = 1; });
        builder.Services.AddSingleton(new FakeResourceFactory());
        builder.Services.AddResourcePool<FakeResource, FakeResourceFactory>(o => { o.MinSize = 1; o.MaxSize = 2; o.ValidateOnAcquire = true; });
        builder.Services.AddPerformanceMonitor();
        builder.Services.AddVectorIndex(o => o.Dimension = 4);
        using IHost host = await TestHosts.StartAsync(builder);
        TieredCache cache = host.Services.GetRequiredService<TieredCache>();
        ResourcePool<FakeResource> pool = host.Services.GetRequiredService<ResourcePool<FakeResource>>();
        PerformanceMonitor monitor = host.Services.GetRequiredService<PerformanceMonitor>();
        VectorIndex index = host.Services.GetRequiredService<VectorIndex>();
        QueryBatcher batcher = host.Services.GetRequiredService<QueryBatcher>();
        index.Add(1, [1f, 2f, 3f, 4f]);
        _logs.Clear();

        for (int round = 0; round < 20; round++)
        {
            // 32 keys through 8 + 8 in process: level 3 writes, reads and promotions, all succeeding.
            for (int i = 0; i < 32; i++)
            {
                string key = $"k{i}";
                await cache.SetAsync(key, CacheTestData.JsonLike(200));
                Assert.NotNull(await cache.GetAsync(key));
                if (round > 0)
                {
                    Assert.NotNull(await cache.GetAsync($"k{(i + 16) % 32}"));
                }

                Assert.NotNull(await cache.GetOrCreateAsync($"made{i % 4}", _ => ValueTask.FromResult(CacheTestData.Text("m"))));
                using (RequestTimer timer = monitor.StartRequest("search"))
                {
                    monitor.RecordStage("cache", TimeSpan.FromMilliseconds(1));
                    using (monitor.Span("rank"))
                    {
                        index.Search([1f, 0f, 0f, 0f], 1);
                    }
                }
            }

            // Four callers on two resources: some wait, all are served.
            await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
            {
                await using PooledResource<FakeResource> lease = await pool.AcquireAsync();
                await Task.Yield();
            }));
            await batcher.SearchAsync(new float[] { 0f, 1f, 0f, 0f }, 1);
            _ = monitor.GetSnapshot();
        }

        Assert.True(cache.GetStatistics().L3Hits > 0, "the run reached level 3");
        Assert.True(pool.GetStatistics().SuccessfulAcquisitions >= 80);
        Assert.True(_logs.Entries.Count == 0, "logged: " + string.Join(" | ", _logs.Entries.Select(e => $"{e.EventId} {e.Message}")));
    }
}
