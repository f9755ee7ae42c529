using System.Buffers;
using CortexHybrid.Caching;
using Microsoft.Extensions.Caching.Hybrid;

namespace CortexHybrid.Tests.Caching;

public sealed class TieredHybridCacheSerializerTests
{
    [Fact]
    public async Task A_registered_serializer_is_used_for_its_type()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var serializer = new HybridTestKit.CountingSerializer<HybridTestKit.Person>();
        var hybrid = new TieredHybridCache(cache, services: new HybridTestKit.Services().Add<IHybridCacheSerializer<HybridTestKit.Person>>(serializer));

        await hybrid.GetOrCreateAsync("p", _ => ValueTask.FromResult(new HybridTestKit.Person("Ada", 36, [])));
        HybridTestKit.Person hit = await hybrid.GetOrCreateAsync("p", HybridTestKit.Unreachable<HybridTestKit.Person>);
        await hybrid.GetOrCreateAsync("p", HybridTestKit.Unreachable<HybridTestKit.Person>);

        Assert.Equal("Ada", hit.Name);
        Assert.Equal((1, 2), (serializer.Serialized, serializer.Deserialized)); // mutable: every hit deserializes
    }

    [Fact]
    public async Task A_registered_serializer_beats_every_factory()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var log = new List<string>();
        var serializer = new HybridTestKit.CountingSerializer<HybridTestKit.Person>();
        var factory = new HybridTestKit.LoggingFactory("factory", log, _ => true);
        var services = new HybridTestKit.Services()
            .Add<IHybridCacheSerializer<HybridTestKit.Person>>(serializer)
            .AddFactory(factory);
        var hybrid = new TieredHybridCache(cache, services: services);

        await hybrid.SetAsync("p", new HybridTestKit.Person("Ada", 36, []));

        Assert.Equal(1, serializer.Serialized);
        Assert.Empty(log);
    }

    [Fact]
    public async Task Factories_are_asked_last_registered_first_and_the_first_that_accepts_wins()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var log = new List<string>();
        var first = new HybridTestKit.LoggingFactory("first", log, _ => true);
        var second = new HybridTestKit.LoggingFactory("second", log, _ => true);
        var third = new HybridTestKit.LoggingFactory("third", log, type => type != typeof(HybridTestKit.Person));
        var hybrid = new TieredHybridCache(cache, services: new HybridTestKit.Services().AddFactory(first).AddFactory(second).AddFactory(third));

        await hybrid.SetAsync("p", new HybridTestKit.Person("Ada", 36, []));
        await hybrid.SetAsync("q", new HybridTestKit.Person("Bob", 40, []));
        HybridTestKit.Person hit = await hybrid.GetOrCreateAsync("p", HybridTestKit.Unreachable<HybridTestKit.Person>);

        Assert.Equal("Ada", hit.Name);
        Assert.Equal(["third", "second"], log); // asked once for the type, newest first; "first" never asked
        Assert.Empty(first.Made);
        var made = Assert.IsType<HybridTestKit.CountingSerializer<HybridTestKit.Person>>(Assert.Single(second.Made));
        Assert.Equal((2, 1), (made.Serialized, made.Deserialized));
    }

    [Fact]
    public async Task A_factory_is_asked_once_per_type()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var log = new List<string>();
        var factory = new HybridTestKit.LoggingFactory("only", log, _ => true);
        var hybrid = new TieredHybridCache(cache, services: new HybridTestKit.Services().AddFactory(factory));

        for (int i = 0; i < 5; i++)
        {
            await hybrid.SetAsync("p", new HybridTestKit.Person("Ada", i, []));
            await hybrid.GetOrCreateAsync("p", HybridTestKit.Unreachable<HybridTestKit.Person>);
            await hybrid.SetAsync("m", new HybridTestKit.MutableBox());
        }

        Assert.Equal(["only", "only"], log); // Person, MutableBox
    }

    [Fact]
    public async Task With_no_factory_accepting_a_type_json_is_used()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var log = new List<string>();
        var hybrid = new TieredHybridCache(cache, services: new HybridTestKit.Services().AddFactory(new HybridTestKit.LoggingFactory("none", log, _ => false)));

        await hybrid.SetAsync("p", new HybridTestKit.Person("Ada", 36, []));

        Assert.Equal(["none"], log);
        Assert.Equal("Ada", (await hybrid.GetOrCreateAsync("p", HybridTestKit.Unreachable<HybridTestKit.Person>)).Name);
        Assert.StartsWith("{\"Name\":\"Ada\"", System.Text.Encoding.UTF8.GetString((await cache.GetAsync("p"))!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Strings_and_byte_arrays_use_the_built_ins_before_any_factory_as_Microsofts_does()
    {
        // Microsoft's AddHybridCache registers its string and byte[] serializers as services, so no
        // factory is asked for those types; a registered serializer for them still wins.
        using TieredCache cache = HybridTestKit.NewCache();
        var log = new List<string>();
        var hybrid = new TieredHybridCache(cache, services: new HybridTestKit.Services().AddFactory(new HybridTestKit.LoggingFactory("all", log, _ => true)));

        await hybrid.SetAsync("s", "text");
        await hybrid.SetAsync("b", new byte[] { 1, 2 });

        Assert.Empty(log);
        Assert.Equal("text"u8.ToArray(), await cache.GetAsync("s"));
        Assert.Equal([1, 2], await cache.GetAsync("b"));

        var strings = new HybridTestKit.CountingSerializer<string>();
        var custom = new TieredHybridCache(cache, services: new HybridTestKit.Services().Add<IHybridCacheSerializer<string>>(strings));
        await custom.SetAsync("s", "text");
        Assert.Equal(1, strings.Serialized);
        Assert.Equal("\"text\""u8.ToArray(), await cache.GetAsync("s"));
    }

    [Fact]
    public async Task A_serializer_that_serializes_again_inside_does_not_corrupt_the_shared_buffer()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var inner = new TieredHybridCache(cache, services: new HybridTestKit.Services().Add<IHybridCacheSerializer<HybridTestKit.Person>>(new HybridTestKit.CountingSerializer<HybridTestKit.Person>()));
        var outer = new TieredHybridCache(cache, services: new HybridTestKit.Services().Add<IHybridCacheSerializer<HybridTestKit.MutableBox>>(new ReentrantSerializer(inner)));

        await outer.SetAsync("box", new HybridTestKit.MutableBox { Name = "outer" });

        Assert.Equal("outer", (await outer.GetOrCreateAsync("box", HybridTestKit.Unreachable<HybridTestKit.MutableBox>)).Name);
        Assert.Equal("inner", (await inner.GetOrCreateAsync("inner", HybridTestKit.Unreachable<HybridTestKit.Person>)).Name);
    }

    /// <summary>Stores another value through an adapter while serializing (so two serializations share a thread).</summary>
    private sealed class ReentrantSerializer(TieredHybridCache inner) : IHybridCacheSerializer<HybridTestKit.MutableBox>
    {
        private readonly HybridTestKit.CountingSerializer<HybridTestKit.MutableBox> _json = new();

        public HybridTestKit.MutableBox Deserialize(System.Buffers.ReadOnlySequence<byte> source) => _json.Deserialize(source);

        public void Serialize(HybridTestKit.MutableBox value, System.Buffers.IBufferWriter<byte> target)
        {
            target.Write("{\"Name\":"u8);
            ValueTask set = inner.SetAsync("inner", new HybridTestKit.Person("inner", 1, []));
            Assert.True(set.IsCompletedSuccessfully);
            target.Write(System.Text.Encoding.UTF8.GetBytes($"\"{value.Name}\"}}"));
        }
    }
}
