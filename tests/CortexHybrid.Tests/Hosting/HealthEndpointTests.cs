using System.Buffers;
using System.Net;
using System.Text.Json;
using CortexHybrid.Caching;
using CortexHybrid.Metrics;
using CortexHybrid.Pooling;
using CortexHybrid.Tests.Caching;
using CortexHybrid.Tests.Pooling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CortexHybrid.Tests.Hosting;

/// <summary>The three health checks behind <c>/health</c> in a real ASP.NET Core app on a loopback port, read over HTTP.</summary>
public sealed class HealthEndpointTests
{
    private const string MonitorCheck = "cortex-monitor";
    private const string PoolCheck = "cortex-pool-FakeResource";
    private const string CacheCheck = "cortex-cache";

    private static readonly string[] MonitorData = ["score", "requests_per_second", "error_rate", "ignored_error_rate", "p95_ms", "memory_growth_flagged"];
    private static readonly string[] PoolData = ["max_size", "active", "idle", "waiting", "utilization", "timeouts", "creation_failures", "factory_failing", "last_exhausted_at"];
    private static readonly string[] CacheData = ["hit_rate", "l1_hit_rate", "entries_l1", "entries_l2", "entries_l3", "size_bytes", "level3_errors", "level3_circuit_open"];

    /// <summary>The report as JSON: the overall status, and each entry's status, description and data.</summary>
    private static async Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";

        // Into a buffer first: JsonSerializer flushes its writer synchronously, and Kestrel refuses synchronous writes.
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            Write(json, report);
        }

        await context.Response.Body.WriteAsync(buffer.WrittenMemory);
    }

    private static void Write(Utf8JsonWriter json, HealthReport report)
    {
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteStartObject("entries");
        foreach ((string name, HealthReportEntry entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteString("description", entry.Description);
            json.WriteStartObject("data");
            foreach ((string key, object value) in entry.Data)
            {
                json.WritePropertyName(key);
                JsonSerializer.Serialize(json, value, value.GetType());
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private sealed record Health(HttpStatusCode Code, JsonElement Body)
    {
        public string Status => Body.GetProperty("status").GetString()!;

        public JsonElement Entry(string name) => Body.GetProperty("entries").GetProperty(name);

        public string EntryStatus(string name) => Entry(name).GetProperty("status").GetString()!;

        public JsonElement Data(string name, string key) => Entry(name).GetProperty("data").GetProperty(key);

        public string[] DataKeys(string name) => [.. Entry(name).GetProperty("data").EnumerateObject().Select(p => p.Name)];
    }

    private static async Task<Health> GetAsync(HttpClient client)
    {
        using HttpResponseMessage response = await client.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return new Health(response.StatusCode, document.RootElement.Clone());
    }

    [Fact]
    public async Task Health_goes_from_Healthy_to_Degraded_to_Unhealthy_as_the_components_do()
    {
        var level3 = new FlakyDistributedCache();
        var factory = new FakeResourceFactory();
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Development,
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton<IDistributedCache>(level3);
        builder.Services.AddTieredCache(o => o.Name = "web-cache");
        builder.Services.AddSingleton(factory);
        builder.Services.AddResourcePool<FakeResource, FakeResourceFactory>(o => { o.MinSize = 1; o.MaxSize = 1; });
        builder.Services.AddPerformanceMonitor(o => o.Name = "web-monitor");
        builder.Services.AddHealthChecks().AddPerformanceMonitorCheck().AddResourcePoolCheck<FakeResource>().AddTieredCacheCheck();
        await using WebApplication app = builder.Build();
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteJsonAsync });
        await app.StartAsync();

        string address = Assert.Single(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses);
        Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        TieredCache cache = app.Services.GetRequiredService<TieredCache>();
        ResourcePool<FakeResource> pool = app.Services.GetRequiredService<ResourcePool<FakeResource>>();
        PerformanceMonitor monitor = app.Services.GetRequiredService<PerformanceMonitor>();

        // At first: all healthy, each entry with its documented data.
        Health healthy = await GetAsync(client);
        Assert.Equal(HttpStatusCode.OK, healthy.Code);
        Assert.Equal("Healthy", healthy.Status);
        Assert.Equal([CacheCheck, MonitorCheck, PoolCheck], healthy.Body.GetProperty("entries").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(MonitorData, healthy.DataKeys(MonitorCheck));
        Assert.Equal(PoolData, healthy.DataKeys(PoolCheck));
        Assert.Equal(CacheData, healthy.DataKeys(CacheCheck));
        Assert.All([MonitorCheck, PoolCheck, CacheCheck], name => Assert.Equal("Healthy", healthy.EntryStatus(name)));
        Assert.Equal(1, healthy.Data(PoolCheck, "idle").GetInt32());
        Assert.Equal(1, healthy.Data(PoolCheck, "max_size").GetInt32());
        Assert.Equal("never", healthy.Data(PoolCheck, "last_exhausted_at").GetString());
        Assert.Equal(1.0, healthy.Data(MonitorCheck, "score").GetDouble(), 9);
        Assert.False(healthy.Data(CacheCheck, "level3_circuit_open").GetBoolean());
        Assert.Contains("pool 'FakeResource'", healthy.Entry(PoolCheck).GetProperty("description").GetString(), StringComparison.Ordinal);

        // Degraded: a caller waits for the pool's only resource, and level 3 is down (its circuit open).
        PooledResource<FakeResource> held = await pool.AcquireAsync();
        ValueTask<PooledResource<FakeResource>> waiting = pool.AcquireAsync();
        level3.Failing = true;
        Assert.Null(await cache.GetAsync("absent"));
        Health degraded = await GetAsync(client);
        Assert.Equal(HttpStatusCode.OK, degraded.Code);
        Assert.Equal("Degraded", degraded.Status);
        Assert.Equal("Degraded", degraded.EntryStatus(PoolCheck));
        Assert.Equal(1, degraded.Data(PoolCheck, "waiting").GetInt32());
        Assert.Equal(1, degraded.Data(PoolCheck, "active").GetInt32());
        Assert.Equal(1.0, degraded.Data(PoolCheck, "utilization").GetDouble());
        Assert.Equal("Degraded", degraded.EntryStatus(CacheCheck));
        Assert.True(degraded.Data(CacheCheck, "level3_circuit_open").GetBoolean());
        Assert.Equal(1, degraded.Data(CacheCheck, "level3_errors").GetInt64());
        Assert.Contains("level 3 is unreachable", degraded.Entry(CacheCheck).GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Healthy", degraded.EntryStatus(MonitorCheck));

        // Unhealthy: the resource breaks, the factory fails, nothing is idle; and the monitor's score falls below 0.5.
        await held.DisposeAsync();
        PooledResource<FakeResource> last = await waiting;
        last.MarkBroken();
        factory.CreateFailure = _ => new IOException("database down (test)");
        await last.DisposeAsync();
        await Assert.ThrowsAsync<IOException>(async () => await pool.AcquireAsync());
        for (int i = 0; i < 10; i++)
        {
            monitor.RecordResponseTime(TimeSpan.FromSeconds(10), "search"); // p95 far past 8 × the 100 ms target: latency scores 0
            monitor.RecordError("internal");                                 // an error rate of 100%: errors score 0
        }

        Health unhealthy = await GetAsync(client);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unhealthy.Code);
        Assert.Equal("Unhealthy", unhealthy.Status);
        Assert.Equal("Unhealthy", unhealthy.EntryStatus(PoolCheck));
        Assert.True(unhealthy.Data(PoolCheck, "factory_failing").GetBoolean());
        Assert.Equal(0, unhealthy.Data(PoolCheck, "idle").GetInt32());
        Assert.Equal(2, unhealthy.Data(PoolCheck, "creation_failures").GetInt64()); // the acquire's, and the check's own retry
        Assert.Equal("Unhealthy", unhealthy.EntryStatus(MonitorCheck));
        // Latency 0, errors 0, the cache's one read a miss 0: only throughput (no target) scores, 0.3.
        Assert.Equal(0.3, unhealthy.Data(MonitorCheck, "score").GetDouble(), 6);
        Assert.Equal(1.0, unhealthy.Data(MonitorCheck, "error_rate").GetDouble());
        Assert.True(unhealthy.Data(MonitorCheck, "p95_ms").GetDouble() >= 9_900);
        Assert.Equal("Degraded", unhealthy.EntryStatus(CacheCheck));

        await app.StopAsync();
    }
}
