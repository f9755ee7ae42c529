using CortexHybrid.Caching;
using CortexHybrid.Metrics;
using CortexHybrid.Pooling;
using CortexHybrid.Search;
using CortexHybrid.Simd;
using CortexHybrid.Tests.Caching;
using CortexHybrid.Tests.Pooling;
using CortexHybrid.Tests.Support;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Hosting;

/// <summary>Each Add* registration in a generic host: resolved, used, and wired to what the container holds.</summary>
public sealed class ServiceRegistrationTests
{
    [Fact]
    public async Task A_registered_cache_stores_and_returns_values()
    {
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddTieredCache(o => o.Name = "di-cache");
        using IHost host = await TestHosts.StartAsync(builder);

        TieredCache cache = host.Services.GetRequiredService<TieredCache>();
        Assert.Same(cache, host.Services.GetRequiredService<TieredCache>());
        Assert.Equal("di-cache", cache.Name);
        await cache.SetAsync("k", CacheTestData.Text("v"));
        Assert.Equal(CacheTestData.Text("v"), await cache.GetAsync("k"));
        Assert.Null(await cache.GetAsync("absent"));
        int runs = 0;
        byte[] created = await cache.GetOrCreateAsync("made", _ => { runs++; return ValueTask.FromResult(CacheTestData.Text("m")); });
        byte[] again = await cache.GetOrCreateAsync("made", _ => { runs++; return ValueTask.FromResult(CacheTestData.Text("other")); });
        Assert.Equal(CacheTestData.Text("m"), created);
        Assert.Equal(CacheTestData.Text("m"), again);
        Assert.Equal(1, runs);
        CacheStatistics statistics = cache.GetStatistics();
        Assert.Equal(2, statistics.L1Hits);
        Assert.Equal(2, statistics.Misses);
    }

    [Fact]
    public async Task Keyed_caches_are_distinct_instances_with_their_own_names()
    {
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddTieredCache();
        builder.Services.AddTieredCache("responses", o => o.L1Capacity = 10);
        builder.Services.AddTieredCache("embeddings");
        using IHost host = await TestHosts.StartAsync(builder);

        TieredCache unnamed = host.Services.GetRequiredService<TieredCache>();
        TieredCache responses = host.Services.GetRequiredKeyedService<TieredCache>("responses");
        TieredCache embeddings = host.Services.GetRequiredKeyedService<TieredCache>("embeddings");
        Assert.Same(responses, host.Services.GetRequiredKeyedService<TieredCache>("responses"));
        Assert.NotSame(unnamed, responses);
        Assert.NotSame(responses, embeddings);
        Assert.Equal("default", unnamed.Name);
        Assert.Equal("responses", responses.Name);
        Assert.Equal("embeddings", embeddings.Name);

        await responses.SetAsync("k", CacheTestData.Text("r"));
        Assert.Null(await embeddings.GetAsync("k"));
        Assert.Null(await unnamed.GetAsync("k"));
        Assert.Equal(CacheTestData.Text("r"), await responses.GetAsync("k"));

        // Its own options: "responses" holds 10 in level 1, the others the default 1,000.
        for (int i = 0; i < 20; i++)
        {
            await responses.SetAsync($"n{i}", CacheTestData.Text("x"));
            await embeddings.SetAsync($"n{i}", CacheTestData.Text("x"));
        }

        Assert.Equal(10, responses.GetStatistics().L1Count);
        Assert.Equal(20, embeddings.GetStatistics().L1Count);
    }

    [Fact]
    public async Task Level_3_is_the_registered_distributed_cache()
    {
        var level3 = new FlakyDistributedCache();
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddSingleton<IDistributedCache>(level3);
        builder.Services.AddTieredCache(o => { o.L1Capacity = 1; o.L2Capacity = 1; });
        using IHost host = await TestHosts.StartAsync(builder);
        TieredCache cache = host.Services.GetRequiredService<TieredCache>();

        await cache.SetAsync("first", CacheTestData.Text("one"));
        await cache.SetAsync("second", CacheTestData.Text("two"));
        Assert.Equal(0, level3.Calls);
        await cache.SetAsync("third", CacheTestData.Text("three"));

        // "first" went 1 → 2 → 3, and level 3 is the app's cache.
        Assert.NotNull(await level3.Inner.GetAsync("first"));
        Assert.Null(await level3.Inner.GetAsync("third"));
        Assert.True(level3.Calls >= 1);
        Assert.Equal(1, cache.GetStatistics().L3Count);
        Assert.Equal(CacheTestData.Text("one"), await cache.GetAsync("first"));
        Assert.Equal(1, cache.GetStatistics().L3Hits);
    }

    [Fact]
    public async Task WithInProcessLevel3_ignores_the_registered_distributed_cache()
    {
        var level3 = new FlakyDistributedCache();
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddSingleton<IDistributedCache>(level3);
        builder.Services.AddTieredCache(o => { o.L1Capacity = 1; o.L2Capacity = 1; }).WithInProcessLevel3();
        using IHost host = await TestHosts.StartAsync(builder);
        TieredCache cache = host.Services.GetRequiredService<TieredCache>();

        await cache.SetAsync("first", CacheTestData.Text("one"));
        await cache.SetAsync("second", CacheTestData.Text("two"));
        await cache.SetAsync("third", CacheTestData.Text("three"));

        Assert.Equal(0, level3.Calls);
        Assert.Equal(1, cache.GetStatistics().L3Count);
        Assert.Equal(CacheTestData.Text("one"), await cache.GetAsync("first"));
        Assert.Equal(1, cache.GetStatistics().L3Hits);
        Assert.Equal(0, level3.Calls);
    }

    [Fact]
    public async Task WithLevel3_takes_the_level_3_it_is_given()
    {
        var registered = new FlakyDistributedCache();
        var chosen = new FlakyDistributedCache();
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddSingleton<IDistributedCache>(registered);
        builder.Services.AddKeyedSingleton<IDistributedCache>("shared", chosen);
        builder.Services.AddTieredCache("chosen", o => { o.L1Capacity = 1; o.L2Capacity = 1; })
            .WithLevel3(sp => sp.GetRequiredKeyedService<IDistributedCache>("shared"));
        using IHost host = await TestHosts.StartAsync(builder);
        TieredCache cache = host.Services.GetRequiredKeyedService<TieredCache>("chosen");

        for (int i = 0; i < 3; i++)
        {
            await cache.SetAsync($"k{i}", CacheTestData.Text("v"));
        }

        Assert.NotNull(await chosen.Inner.GetAsync("k0"));
        Assert.Equal(0, registered.Calls);
    }

    [Fact]
    public async Task Pools_are_warmed_to_MinSize_when_the_host_starts()
    {
        var unnamedFactory = new FakeResourceFactory();
        var keyedFactory = new FakeResourceFactory();
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddSingleton(unnamedFactory);
        builder.Services.AddResourcePool<FakeResource, FakeResourceFactory>(o => { o.MinSize = 3; o.MaxSize = 5; });
        builder.Services.AddResourcePool<FakeResource>("second", _ => keyedFactory, o => { o.MinSize = 2; o.MaxSize = 4; });
        using IHost host = builder.Build();

        Assert.Equal(0, unnamedFactory.Attempts);
        Assert.Equal(0, keyedFactory.Attempts);
        await host.StartAsync();

        ResourcePool<FakeResource> unnamed = host.Services.GetRequiredService<ResourcePool<FakeResource>>();
        ResourcePool<FakeResource> second = host.Services.GetRequiredKeyedService<ResourcePool<FakeResource>>("second");
        Assert.NotSame(unnamed, second);
        Assert.Equal("FakeResource", unnamed.Name);
        Assert.Equal("second", second.Name);
        Assert.Equal(3, unnamedFactory.Attempts);
        Assert.Equal(2, keyedFactory.Attempts);
        Assert.Equal(3, unnamed.GetStatistics().Idle);
        Assert.Equal(2, second.GetStatistics().Idle);
        Assert.Equal(5, unnamed.GetStatistics().MaxSize);
        Assert.Equal(4, second.GetStatistics().MaxSize);

        // Warm resources are handed out; nothing more is created.
        await using (PooledResource<FakeResource> lease = await unnamed.AcquireAsync())
        {
            Assert.Contains(lease.Value, unnamedFactory.Created);
        }

        Assert.Equal(3, unnamedFactory.Attempts);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_failing_factory_does_not_fail_the_start()
    {
        var factory = new FakeResourceFactory { CreateFailure = _ => new IOException("database down (test)") };
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddSingleton(factory);
        builder.Services.AddResourcePool<FakeResource, FakeResourceFactory>(o => { o.MinSize = 2; o.MaxSize = 4; });
        using IHost host = await TestHosts.StartAsync(builder);

        ResourcePool<FakeResource> pool = host.Services.GetRequiredService<ResourcePool<FakeResource>>();
        PoolStatistics failed = pool.GetStatistics();
        Assert.Equal(2, failed.CreationFailures);
        Assert.True(failed.FactoryFailing);
        Assert.Equal(0, failed.Idle);

        // The database comes up: the pool works.
        factory.CreateFailure = null;
        await using (PooledResource<FakeResource> lease = await pool.AcquireAsync())
        {
            Assert.False(lease.Value.Destroyed);
        }

        Assert.False(pool.GetStatistics().FactoryFailing);
    }

    [Fact]
    public async Task A_factory_that_does_not_answer_holds_the_start_for_AcquireTimeout_at_most()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 4, 1, 0, 0, 0, TimeSpan.Zero));
        var factory = new FakeResourceFactory { CreateGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddResourcePool<FakeResource>("slow", _ => factory, o => { o.MinSize = 2; o.MaxSize = 4; o.AcquireTimeout = TimeSpan.FromSeconds(10); });
        using IHost host = builder.Build();

        // The database does not answer: the start waits for the warm-up as long as a caller would wait for a resource, no longer.
        Task start = host.StartAsync();
        TimeSpan advanced = TimeSpan.Zero;
        while (!start.IsCompleted && advanced < TimeSpan.FromMinutes(1))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            advanced += TimeSpan.FromSeconds(1);
            await Task.WhenAny(start, Task.Delay(20));
        }

        Assert.True(start.IsCompleted, "the start still waits for the factory after a minute");
        await start;
        Assert.InRange(advanced, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20));
        ResourcePool<FakeResource> pool = host.Services.GetRequiredKeyedService<ResourcePool<FakeResource>>("slow");
        Assert.Equal(2, pool.GetStatistics().Creating);

        // It answers: the warm-up started at start fills the pool.
        factory.CreateGate.SetResult();
        for (int i = 0; i < 500 && pool.GetStatistics().Idle < 2; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(2, pool.GetStatistics().Idle);
        Assert.Equal(2, factory.Attempts);
        await host.StopAsync();
    }

    [Fact]
    public async Task Stopping_the_host_cancels_a_warm_up_still_running()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 4, 1, 0, 0, 0, TimeSpan.Zero));
        var factory = new FakeResourceFactory { CreateGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddResourcePool<FakeResource>("slow", _ => factory, o => { o.MinSize = 2; o.MaxSize = 4; o.AcquireTimeout = TimeSpan.FromSeconds(1); });
        using IHost host = builder.Build();
        Task start = host.StartAsync();
        for (int i = 0; i < 100 && !start.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(start, Task.Delay(20));
        }

        Assert.True(start.IsCompleted, "the start still waits for the factory");
        await start;
        ResourcePool<FakeResource> pool = host.Services.GetRequiredKeyedService<ResourcePool<FakeResource>>("slow");
        Assert.Equal(2, pool.GetStatistics().Creating);

        await host.StopAsync();
        Assert.Equal(0, pool.GetStatistics().Creating);
        Assert.Equal(0, factory.Live);
    }

    [Fact]
    public async Task Disposing_the_host_destroys_the_pools_resources()
    {
        var factory = new FakeResourceFactory();
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddResourcePool<FakeResource>("disposed", _ => factory, o => { o.MinSize = 2; o.MaxSize = 3; });
        IHost host = await TestHosts.StartAsync(builder);
        ResourcePool<FakeResource> pool = host.Services.GetRequiredKeyedService<ResourcePool<FakeResource>>("disposed");
        Assert.Equal(2, factory.Live);

        await host.StopAsync();
        host.Dispose();

        Assert.Equal(0, factory.Live);
        Assert.All(factory.Created, r => Assert.True(r.Destroyed));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await pool.AcquireAsync());
    }

    [Fact]
    public async Task The_monitor_snapshot_lists_the_registered_caches_pools_and_kernel()
    {
        var factory = new FakeResourceFactory();
        HostApplicationBuilder builder = TestHosts.Builder();

        // The monitor first: the others are attached however the registrations are ordered.
        builder.Services.AddPerformanceMonitor(o => o.Name = "di-monitor");
        builder.Services.AddTieredCache();
        builder.Services.AddTieredCache("responses");
        builder.Services.AddSingleton(factory);
        builder.Services.AddResourcePool<FakeResource, FakeResourceFactory>(o => { o.MinSize = 1; o.MaxSize = 2; });
        builder.Services.AddResourcePool<FakeResource>("encoders", _ => new FakeResourceFactory(), o => { o.MinSize = 0; o.MaxSize = 3; });
        builder.Services.AddVectorIndex(o => o.Dimension = 4);
        using IHost host = await TestHosts.StartAsync(builder);

        await host.Services.GetRequiredKeyedService<TieredCache>("responses").SetAsync("k", CacheTestData.Text("v"));
        PerformanceMonitor monitor = host.Services.GetRequiredService<PerformanceMonitor>();
        PerformanceSnapshot snapshot = monitor.GetSnapshot();

        Assert.Equal(["default", "responses"], snapshot.Cache.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1, snapshot.Cache["responses"].L1Count);
        Assert.Equal(0, snapshot.Cache["default"].L1Count);
        Assert.Equal(["FakeResource", "encoders"], snapshot.Pool.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1, snapshot.Pool["FakeResource"].Idle);
        Assert.Equal(3, snapshot.Pool["encoders"].MaxSize);
        Assert.Equal(SimilarityKernels.Default.Description, Assert.Single(snapshot.Kernels));
        Assert.Contains("responses", monitor.GenerateReport(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddVectorIndex_gives_a_working_index_and_batcher()
    {
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddVectorIndex(o => { o.Dimension = 3; o.Metric = SimilarityMetric.DotProduct; o.MaxBatchSize = 4; });
        using IHost host = await TestHosts.StartAsync(builder);

        VectorIndex index = host.Services.GetRequiredService<VectorIndex>();
        QueryBatcher batcher = host.Services.GetRequiredService<QueryBatcher>();
        Assert.Equal(3, index.Dimension);
        Assert.Equal(SimilarityMetric.DotProduct, index.Metric);
        index.Add(1, [1f, 0f, 0f]);
        index.Add(2, [0f, 2f, 0f]);
        index.Add(3, [0f, 0f, 3f]);

        SearchResult[] direct = index.Search([0f, 1f, 1f], k: 2);
        Assert.Equal([3L, 2L], direct.Select(r => r.Id));
        Assert.Equal([3f, 2f], direct.Select(r => r.Score));

        SearchResult[][] batched = await Task.WhenAll(
            Enumerable.Range(0, 6).Select(i => batcher.SearchAsync(new float[] { i % 2, 1f, 0f }, 1).AsTask()));
        Assert.All(batched, hits => Assert.Equal(2L, Assert.Single(hits).Id));
        Assert.Equal(6, batcher.QueryCount);

        // A query of another length is refused by name.
        ArgumentException wrong = await Assert.ThrowsAsync<ArgumentException>(async () => await batcher.SearchAsync(new float[4], 1));
        Assert.Equal("query", wrong.ParamName);
    }

    [Fact]
    public async Task A_kernel_in_the_container_is_the_one_the_index_uses_and_the_monitor_lists()
    {
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddSingleton(SimilarityKernels.Scalar);
        builder.Services.AddVectorIndex(o => o.Dimension = 2);
        builder.Services.AddPerformanceMonitor();
        using IHost host = await TestHosts.StartAsync(builder);

        VectorIndex index = host.Services.GetRequiredService<VectorIndex>();
        Assert.Equal(SimilarityKernels.Scalar.Description, index.KernelDescription);
        index.Add(7, [3f, 4f]);
        Assert.Equal(7, Assert.Single(index.Search([3f, 4f], 1)).Id);
        Assert.Equal(SimilarityKernels.Scalar.Description, Assert.Single(host.Services.GetRequiredService<PerformanceMonitor>().GetSnapshot().Kernels));
    }

    [Fact]
    public async Task AddVectorIndex_loads_IndexFile()
    {
        using var directory = new TemporaryDirectory();
        string file = Path.Combine(directory.Path, "saved.cxvi");
        using (var saved = new VectorIndex(2, SimilarityMetric.SquaredEuclidean))
        {
            saved.Add(10, [0f, 0f]);
            saved.Add(20, [5f, 5f]);
            saved.Add(30, [1f, 1f]);
            saved.Save(file);
        }

        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddVectorIndex(o => o.IndexFile = file);
        using IHost host = await TestHosts.StartAsync(builder);

        VectorIndex index = host.Services.GetRequiredService<VectorIndex>();
        Assert.Equal(3, index.Count);
        Assert.Equal(2, index.Dimension);
        Assert.Equal(SimilarityMetric.SquaredEuclidean, index.Metric);
        SearchResult[] hits = await host.Services.GetRequiredService<QueryBatcher>().SearchAsync(new float[] { 4f, 4f }, 2);
        Assert.Equal([20L, 30L], hits.Select(h => h.Id));
    }

    [Fact]
    public async Task SignPrefilter_is_applied_to_a_loaded_IndexFile_since_files_do_not_record_it()
    {
        using var directory = new TemporaryDirectory();
        string file = Path.Combine(directory.Path, "cosine.cxvi");
        long unfiltered;
        using (var saved = new VectorIndex(64))
        {
            var random = new Random(7);
            for (int id = 0; id < 100; id++)
            {
                saved.Add(id, [.. Enumerable.Range(0, 64).Select(_ => (float)random.NextDouble() - 0.5f)]);
            }

            saved.Save(file);
        }

        using (VectorIndex loaded = VectorIndex.Load(file))
        {
            unfiltered = loaded.MemoryBytes;
        }

        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddVectorIndex(o => { o.IndexFile = file; o.SignPrefilter = 4; });
        using IHost host = await TestHosts.StartAsync(builder);

        VectorIndex index = host.Services.GetRequiredService<VectorIndex>();
        Assert.Equal(4, index.SignPrefilter);
        Assert.True(index.MemoryBytes > unfiltered, $"{index.MemoryBytes} bytes with the sign bits, {unfiltered} without");
    }

    [Fact]
    public async Task SignPrefilter_over_a_saved_index_that_is_not_cosine_is_refused_by_name()
    {
        using var directory = new TemporaryDirectory();
        string file = Path.Combine(directory.Path, "dot.cxvi");
        using (var saved = new VectorIndex(2, SimilarityMetric.DotProduct))
        {
            saved.Add(1, [1f, 2f]);
            saved.Save(file);
        }

        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddVectorIndex(o => { o.IndexFile = file; o.SignPrefilter = 8; });
        using IHost host = await TestHosts.StartAsync(builder);

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<VectorIndex>());
        Assert.Equal($"VectorIndexOptions.SignPrefilter is 8 but the saved index '{file}' scores by DotProduct; the prefilter needs Cosine.", error.Message);
    }

    [Fact]
    public async Task A_saved_index_of_another_dimension_than_configured_is_refused_by_name()
    {
        using var directory = new TemporaryDirectory();
        string file = Path.Combine(directory.Path, "three.cxvi");
        using (var saved = new VectorIndex(3))
        {
            saved.Add(1, [1f, 2f, 3f]);
            saved.Save(file);
        }

        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddVectorIndex(o => { o.IndexFile = file; o.Dimension = 5; });
        using IHost host = await TestHosts.StartAsync(builder);

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<VectorIndex>());
        Assert.Contains("Dimension is 5", error.Message, StringComparison.Ordinal);
        Assert.Contains("3-dimensional", error.Message, StringComparison.Ordinal);
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_containers_TimeProvider_drives_expiry_and_the_monitor_clock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero));
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddTieredCache(o => o.DefaultTtl = TimeSpan.FromMinutes(10));
        builder.Services.AddPerformanceMonitor();
        using IHost host = await TestHosts.StartAsync(builder);
        TieredCache cache = host.Services.GetRequiredService<TieredCache>();
        PerformanceMonitor monitor = host.Services.GetRequiredService<PerformanceMonitor>();

        await cache.SetAsync("short", CacheTestData.Text("s"), new CacheEntryOptions { Ttl = TimeSpan.FromMinutes(1) });
        await cache.SetAsync("default", CacheTestData.Text("d"));
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.NotNull(await cache.GetAsync("short"));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(await cache.GetAsync("short"));
        Assert.NotNull(await cache.GetAsync("default"));
        time.Advance(TimeSpan.FromMinutes(9));
        Assert.Null(await cache.GetAsync("default"));
        Assert.Equal(2, cache.GetStatistics().Expirations);

        // The monitor was created at the fake clock's start: its uptime is the fake time since.
        Assert.Equal(TimeSpan.FromSeconds(61) + TimeSpan.FromMinutes(9), monitor.GetSnapshot().Uptime);
    }
}
