using CortexHybrid.Caching;
using CortexHybrid.Hosting;
using CortexHybrid.Metrics;
using CortexHybrid.Pooling;
using CortexHybrid.Search;
using CortexHybrid.Tests.Caching;
using CortexHybrid.Tests.Pooling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CortexHybrid.Tests.Hosting;

/// <summary>Options bound from configuration take effect, and bad ones fail the host's start with messages naming the setting's path, its value and the rule.</summary>
public sealed class OptionsValidationTests
{
    /// <summary>A configuration every registration below accepts.</summary>
    private static Dictionary<string, string?> GoodConfiguration() => new()
    {
        ["Cortex:Cache:L1Capacity"] = "2",
        ["Cortex:Cache:L2Capacity"] = "0",
        ["Cortex:Cache:Level1Policy"] = "Lru",
        ["Cortex:Cache:Level3Timeout"] = "00:00:02",
        ["Cortex:Cache:Name"] = "configured-cache",
        ["Cortex:Pools:Encoders:MinSize"] = "2",
        ["Cortex:Pools:Encoders:MaxSize"] = "10",
        ["Cortex:Pools:Encoders:AcquireTimeout"] = "00:00:05",
        ["Cortex:Monitor:WindowSlices"] = "4",
        ["Cortex:Monitor:Name"] = "configured-monitor",
        ["Cortex:Index:Dimension"] = "8",
        ["Cortex:Index:Metric"] = "DotProduct",
        ["Cortex:Index:MaxBatchSize"] = "8",
    };

    /// <summary>The cache, a keyed pool, the monitor and the index, each bound to its section.</summary>
    private static (HostApplicationBuilder Builder, FakeResourceFactory Factory) Build(Dictionary<string, string?> configuration)
    {
        var factory = new FakeResourceFactory();
        HostApplicationBuilder builder = TestHosts.Builder(configuration);
        builder.Services.AddTieredCache().BindConfiguration("Cortex:Cache");
        builder.Services.AddResourcePool<FakeResource>("encoders", _ => factory).BindConfiguration("Cortex:Pools:Encoders");
        builder.Services.AddPerformanceMonitor().BindConfiguration("Cortex:Monitor");
        builder.Services.AddVectorIndex().BindConfiguration("Cortex:Index");
        return (builder, factory);
    }

    [Fact]
    public async Task Good_values_from_configuration_take_effect()
    {
        (HostApplicationBuilder builder, FakeResourceFactory factory) = Build(GoodConfiguration());
        using IHost host = await TestHosts.StartAsync(builder);
        IServiceProvider services = host.Services;

        TieredCacheOptions cacheOptions = services.GetRequiredService<IOptionsMonitor<TieredCacheOptions>>().Get(Options.DefaultName);
        Assert.Equal(CachePolicy.Lru, cacheOptions.Level1Policy);
        Assert.Equal(2, cacheOptions.L1Capacity);
        Assert.Equal(TimeSpan.FromSeconds(2), cacheOptions.Level3Timeout);
        TieredCache cache = services.GetRequiredService<TieredCache>();
        Assert.Equal("configured-cache", cache.Name);
        for (int i = 0; i < 5; i++)
        {
            await cache.SetAsync($"k{i}", CacheTestData.Text("v"));
        }

        // Level 1 holds 2, level 2 is off, so the other 3 went to level 3.
        CacheStatistics statistics = cache.GetStatistics();
        Assert.Equal(2, statistics.L1Count);
        Assert.Equal(0, statistics.L2Count);
        Assert.Equal(3, statistics.L3Count);

        ResourcePool<FakeResource> pool = services.GetRequiredKeyedService<ResourcePool<FakeResource>>("encoders");
        Assert.Equal("encoders", pool.Name);
        Assert.Equal(10, pool.GetStatistics().MaxSize);
        Assert.Equal(2, factory.Attempts);
        Assert.Equal(TimeSpan.FromSeconds(5), services.GetRequiredService<IOptionsMonitor<ResourcePoolOptions>>().Get("encoders").AcquireTimeout);

        Assert.Equal(4, services.GetRequiredService<IOptions<PerformanceMonitorOptions>>().Value.WindowSlices);
        PerformanceMonitor monitor = services.GetRequiredService<PerformanceMonitor>();
        Assert.Contains("configured-cache", monitor.GetSnapshot().Cache.Keys);

        VectorIndex index = services.GetRequiredService<VectorIndex>();
        Assert.Equal(8, index.Dimension);
        Assert.Equal(SimilarityMetric.DotProduct, index.Metric);
        Assert.Equal(8, services.GetRequiredService<IOptions<VectorIndexOptions>>().Value.MaxBatchSize);
    }

    public static TheoryData<string, string, string> BadValues => new()
    {
        { "Cortex:Cache:L1Capacity", "0", "TieredCache: Cortex:Cache:L1Capacity is 0: L1Capacity must be at least 1." },
        { "Cortex:Cache:Level1Policy", "7", "TieredCache: Cortex:Cache:Level1Policy is 7: Level1Policy must be Lru or WTinyLfu." },
        { "Cortex:Cache:Level3Timeout", "-00:00:01", "TieredCache: Cortex:Cache:Level3Timeout is -00:00:01: Level3Timeout must be positive and at most 49 days (the timer's range), or Timeout.InfiniteTimeSpan." },
        { "Cortex:Pools:Encoders:MinSize", "20", "ResourcePool<FakeResource> 'encoders': Cortex:Pools:Encoders:MinSize is 20: MinSize must be from 0 to MaxSize (10)." },
        { "Cortex:Monitor:WindowSlices", "1", "PerformanceMonitor: Cortex:Monitor:WindowSlices is 1: WindowSlices must be from 2 to 60." },
        { "Cortex:Index:Dimension", "0", "VectorIndex: Cortex:Index:Dimension is 0: Dimension must be from 1 to 1048576." },
        { "Cortex:Index:MaxBatchSize", "300", "VectorIndex: Cortex:Index:MaxBatchSize is 300: MaxBatchSize must be from 1 to 256." },
        { "Cortex:Index:SignPrefilter", "-1", "VectorIndex: Cortex:Index:SignPrefilter is -1: SignPrefilter must be from 0 to 10000." },
        { "Cortex:Index:SignPrefilter", "64", "VectorIndex: Cortex:Index:SignPrefilter is 64: SignPrefilter needs the Cosine metric (0 otherwise)." },
        { "Cortex:Index:IndexFile", "/nonexistent/cortex/missing.cxvi", "VectorIndex: Cortex:Index:IndexFile is '/nonexistent/cortex/missing.cxvi': IndexFile must name an existing saved index, or be null for an empty index." },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task A_bad_value_fails_the_start_naming_its_path_value_and_rule(string key, string value, string expected)
    {
        Dictionary<string, string?> configuration = GoodConfiguration();
        configuration[key] = value;
        (HostApplicationBuilder builder, FakeResourceFactory factory) = Build(configuration);
        using IHost host = builder.Build();

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal(expected, Assert.Single(error.Failures));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);

        // Nothing started: the pool was not warmed.
        Assert.Equal(0, factory.Attempts);
    }

    [Fact]
    public async Task Every_bad_setting_of_a_section_is_reported_at_once()
    {
        Dictionary<string, string?> configuration = GoodConfiguration();
        configuration["Cortex:Cache:L1Capacity"] = "0";
        configuration["Cortex:Cache:L2Capacity"] = "-1";
        configuration["Cortex:Cache:DefaultTtl"] = "00:00:00";
        configuration["Cortex:Cache:PromotionThreshold"] = "0";
        (HostApplicationBuilder builder, _) = Build(configuration);
        using IHost host = builder.Build();

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal(
            [
                "TieredCache: Cortex:Cache:L1Capacity is 0: L1Capacity must be at least 1.",
                "TieredCache: Cortex:Cache:L2Capacity is -1: L2Capacity must be at least 0.",
                "TieredCache: Cortex:Cache:PromotionThreshold is 0: PromotionThreshold must be at least 1.",
                "TieredCache: Cortex:Cache:DefaultTtl is 00:00:00: DefaultTtl must be positive.",
            ],
            error.Failures);
        foreach (string failure in error.Failures)
        {
            Assert.Contains(failure, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Bad_settings_of_several_components_are_all_reported_by_one_start()
    {
        Dictionary<string, string?> configuration = GoodConfiguration();
        configuration["Cortex:Cache:L1Capacity"] = "0";
        configuration["Cortex:Pools:Encoders:MinSize"] = "11";
        configuration["Cortex:Monitor:WindowSlices"] = "1";
        configuration["Cortex:Index:MaxBatchSize"] = "300";
        (HostApplicationBuilder builder, _) = Build(configuration);
        using IHost host = builder.Build();

        // The options runtime throws one OptionsValidationException per options object, together in an AggregateException.
        AggregateException error = await Assert.ThrowsAsync<AggregateException>(() => host.StartAsync());
        string[] failures = [.. error.InnerExceptions.Select(e => Assert.IsType<OptionsValidationException>(e)).SelectMany(e => e.Failures)];
        Assert.Equal(
            [
                "PerformanceMonitor: Cortex:Monitor:WindowSlices is 1: WindowSlices must be from 2 to 60.",
                "ResourcePool<FakeResource> 'encoders': Cortex:Pools:Encoders:MinSize is 11: MinSize must be from 0 to MaxSize (10).",
                "TieredCache: Cortex:Cache:L1Capacity is 0: L1Capacity must be at least 1.",
                "VectorIndex: Cortex:Index:MaxBatchSize is 300: MaxBatchSize must be from 1 to 256.",
            ],
            failures.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Bind_names_the_sections_path_and_a_keyed_cache_its_name()
    {
        HostApplicationBuilder builder = TestHosts.Builder(new Dictionary<string, string?> { ["Cortex:Caches:Responses:L1Capacity"] = "0" });
        builder.Services.AddTieredCache("responses").Bind(builder.Configuration.GetSection("Cortex:Caches:Responses"));
        using IHost host = builder.Build();

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal("TieredCache 'responses': Cortex:Caches:Responses:L1Capacity is 0: L1Capacity must be at least 1.", Assert.Single(error.Failures));
    }

    [Fact]
    public async Task A_bad_value_set_in_code_is_named_without_a_path()
    {
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddResourcePool<FakeResource>(null, _ => new FakeResourceFactory(), o => { o.MaxSize = 0; o.MinSize = 0; o.Name = " "; });
        using IHost host = builder.Build();

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal(
            [
                "ResourcePool<FakeResource>: MaxSize is 0: MaxSize must be at least 1.",
                "ResourcePool<FakeResource>: Name is ' ': Name must not be null, empty or white space.",
            ],
            error.Failures);
    }

    [Fact]
    public async Task A_value_that_is_not_a_number_fails_the_start_naming_its_path()
    {
        Dictionary<string, string?> configuration = GoodConfiguration();
        configuration["Cortex:Cache:L1Capacity"] = "lots";
        (HostApplicationBuilder builder, _) = Build(configuration);
        using IHost host = builder.Build();

        // The binder's own error, raised when the validation at start reads the options.
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Equal("Failed to convert configuration value 'lots' at 'Cortex:Cache:L1Capacity' to type 'System.Int32'.", error.Message);
    }
}
