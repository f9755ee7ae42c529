using System.Buffers;
using System.Text;
using CortexHybrid.Caching;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CortexHybrid.Tests.Hosting;

/// <summary>AddTieredCache(...).AsHybridCache(): code written against HybridCache resolves the tiered cache, with the app's serializers.</summary>
public sealed class HybridCacheRegistrationTests
{
    public sealed record Order(int Id, string Customer);

    [Fact]
    public async Task HybridCache_resolves_to_the_registered_tiered_cache_and_its_calls_reach_it()
    {
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddTieredCache(o => o.Name = "hybrid").AsHybridCache(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(3) });
        using IHost host = await TestHosts.StartAsync(builder);

        HybridCache hybrid = host.Services.GetRequiredService<HybridCache>();
        TieredHybridCache adapter = Assert.IsType<TieredHybridCache>(hybrid);
        TieredCache cache = host.Services.GetRequiredService<TieredCache>();
        Assert.Same(cache, adapter.Cache);

        int runs = 0;
        Order first = await hybrid.GetOrCreateAsync("order:1", _ => { runs++; return ValueTask.FromResult(new Order(1, "Ada")); }, tags: ["orders"]);
        Order again = await hybrid.GetOrCreateAsync("order:1", _ => { runs++; return ValueTask.FromResult(new Order(1, "other")); });
        Assert.Equal(1, runs);
        Assert.Equal(first, again);
        Assert.NotSame(first, again); // a mutable value is never shared between callers
        Assert.NotNull(await cache.GetAsync("order:1"));

        await hybrid.RemoveByTagAsync("orders");
        Assert.Null(await cache.GetAsync("order:1"));
    }

    [Fact]
    public async Task A_named_cache_is_a_keyed_HybridCache_and_serializers_registered_through_the_builder_are_used()
    {
        HostApplicationBuilder builder = TestHosts.Builder();
        builder.Services.AddTieredCache("orders").AsHybridCache().AddSerializer<Order, OrderSerializer>();
        using IHost host = await TestHosts.StartAsync(builder);

        Assert.Null(host.Services.GetService<HybridCache>());
        HybridCache hybrid = host.Services.GetRequiredKeyedService<HybridCache>("orders");
        Assert.Same(host.Services.GetRequiredKeyedService<TieredCache>("orders"), ((TieredHybridCache)hybrid).Cache);

        await hybrid.SetAsync("o", new Order(7, "Grace"));
        byte[]? stored = await host.Services.GetRequiredKeyedService<TieredCache>("orders").GetAsync("o");
        Assert.Equal("7|Grace", Encoding.UTF8.GetString(stored!)); // the registered serializer's format, not JSON
        Assert.Equal(new Order(7, "Grace"), await hybrid.GetOrCreateAsync<Order>("o", _ => throw new InvalidOperationException("a hit runs no factory")));
    }

    private sealed class OrderSerializer : IHybridCacheSerializer<Order>
    {
        public Order Deserialize(ReadOnlySequence<byte> source)
        {
            string[] parts = Encoding.UTF8.GetString(source.ToArray()).Split('|');
            return new Order(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), parts[1]);
        }

        public void Serialize(Order value, IBufferWriter<byte> target) => target.Write(Encoding.UTF8.GetBytes($"{value.Id}|{value.Customer}"));
    }
}
