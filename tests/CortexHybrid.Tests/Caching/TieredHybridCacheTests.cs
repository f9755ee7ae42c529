using System.Buffers;
using System.ComponentModel;
using System.Text.Json;
using CortexHybrid.Caching;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Caching;

public sealed class TieredHybridCacheTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_string_round_trips_and_a_hit_does_not_run_the_factory()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        int runs = 0;

        string created = await hybrid.GetOrCreateAsync("s", _ => { runs++; return ValueTask.FromResult("héllo wörld"); });
        string hit = await hybrid.GetOrCreateAsync("s", _ => { runs++; return ValueTask.FromResult("other"); });

        Assert.Equal("héllo wörld", created);
        Assert.Equal("héllo wörld", hit);
        Assert.Equal(1, runs);
        Assert.Equal("héllo wörld"u8.ToArray(), await cache.GetAsync("s")); // UTF-8, as Microsoft's stores it
    }

    [Fact]
    public async Task A_byte_array_round_trips_as_it_is()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        byte[] value = CacheTestData.RandomBytes(1024, 1);

        await hybrid.SetAsync("b", value);

        Assert.Equal(value, await hybrid.GetOrCreateAsync("b", HybridTestKit.Unreachable<byte[]>));
        Assert.Equal(value, await cache.GetAsync("b"));
    }

    [Fact]
    public async Task A_record_round_trips_as_json()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        var person = new HybridTestKit.Person("Ada", 36, ["ada@example.org"]);

        HybridTestKit.Person created = await hybrid.GetOrCreateAsync("p", _ => ValueTask.FromResult(person));
        HybridTestKit.Person hit = await hybrid.GetOrCreateAsync("p", HybridTestKit.Unreachable<HybridTestKit.Person>);

        Assert.Same(person, created); // the caller whose factory ran gets the factory's own object
        Assert.Equal(("Ada", 36), (hit.Name, hit.Age));
        Assert.Equal(["ada@example.org"], hit.Emails);
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(person), await cache.GetAsync("p"));
    }

    [Fact]
    public async Task An_int_round_trips()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);

        await hybrid.SetAsync("i", 42);

        Assert.Equal(42, await hybrid.GetOrCreateAsync("i", HybridTestKit.Unreachable<int>));
        Assert.Equal(42, await hybrid.GetOrCreateAsync("i", HybridTestKit.Unreachable<int>));
    }

    [Fact]
    public async Task Value_tuples_round_trip_with_the_default_json_options_as_in_Microsofts()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);

        await hybrid.SetAsync("t", ("Ada", 36));
        await hybrid.SetAsync("l", new List<(int Id, string Name)> { (1, "one"), (2, "two") });
        await hybrid.SetAsync("p", new HybridTestKit.Person("Ada", 36, []));

        Assert.Equal(("Ada", 36), await hybrid.GetOrCreateAsync("t", HybridTestKit.Unreachable<(string, int)>));
        Assert.Equal([(1, "one"), (2, "two")], await hybrid.GetOrCreateAsync("l", HybridTestKit.Unreachable<List<(int Id, string Name)>>));
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(new HybridTestKit.Person("Ada", 36, [])), await cache.GetAsync("p")); // others: plain defaults
    }

    [Fact]
    public async Task Json_options_from_the_adapter_options_are_used()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        var hybrid = new TieredHybridCache(cache, new TieredHybridCacheOptions { JsonSerializerOptions = json });

        await hybrid.SetAsync("p", new HybridTestKit.Person("Ada", 36, []));

        Assert.Contains("\"name\":\"Ada\"", System.Text.Encoding.UTF8.GetString((await cache.GetAsync("p"))!), StringComparison.Ordinal);
        Assert.Equal("Ada", (await hybrid.GetOrCreateAsync("p", HybridTestKit.Unreachable<HybridTestKit.Person>)).Name);
    }

    [Fact]
    public async Task A_mutable_record_hit_is_a_new_object_each_time()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        await hybrid.SetAsync("m", new HybridTestKit.MutableBox { Items = ["a"] });

        HybridTestKit.MutableBox first = await hybrid.GetOrCreateAsync("m", HybridTestKit.Unreachable<HybridTestKit.MutableBox>);
        first.Items.Add("changed");
        first.Name = "changed";
        HybridTestKit.MutableBox second = await hybrid.GetOrCreateAsync("m", HybridTestKit.Unreachable<HybridTestKit.MutableBox>);

        Assert.NotSame(first, second);
        Assert.Equal(["a"], second.Items);
        Assert.Null(second.Name);
    }

    [Fact]
    public async Task A_byte_array_hit_is_a_copy_each_time()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        byte[] value = [1, 2, 3];
        await hybrid.SetAsync("b", value);
        value[0] = 99; // the set serialized it: the cache does not see this

        byte[] first = await hybrid.GetOrCreateAsync("b", HybridTestKit.Unreachable<byte[]>);
        first[1] = 99;
        byte[] second = await hybrid.GetOrCreateAsync("b", HybridTestKit.Unreachable<byte[]>);

        Assert.NotSame(first, second);
        Assert.Equal([1, 2, 3], second);
        Assert.Equal([1, 2, 3], await cache.GetAsync("b"));
    }

    [Fact]
    public async Task A_created_byte_array_is_not_shared_with_the_cache()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        byte[] value = [1, 2, 3];

        byte[] created = await hybrid.GetOrCreateAsync("b", _ => ValueTask.FromResult(value));
        created[0] = 99;

        Assert.Equal([1, 2, 3], await hybrid.GetOrCreateAsync("b", HybridTestKit.Unreachable<byte[]>));
    }

    [Fact]
    public async Task An_immutable_record_hit_is_the_same_instance_and_is_deserialized_once()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var serializer = new HybridTestKit.CountingSerializer<HybridTestKit.FrozenPoint>();
        var services = new HybridTestKit.Services().Add<IHybridCacheSerializer<HybridTestKit.FrozenPoint>>(serializer);
        var hybrid = new TieredHybridCache(cache, services: services);
        await hybrid.SetAsync("f", new HybridTestKit.FrozenPoint(1, 2));
        Assert.Equal((1, 0), (serializer.Serialized, serializer.Deserialized));

        HybridTestKit.FrozenPoint first = await hybrid.GetOrCreateAsync("f", HybridTestKit.Unreachable<HybridTestKit.FrozenPoint>);
        HybridTestKit.FrozenPoint second = await hybrid.GetOrCreateAsync("f", HybridTestKit.Unreachable<HybridTestKit.FrozenPoint>);
        HybridTestKit.FrozenPoint third = await hybrid.GetOrCreateAsync("f", HybridTestKit.Unreachable<HybridTestKit.FrozenPoint>);

        Assert.Equal(new HybridTestKit.FrozenPoint(1, 2), first);
        Assert.Same(first, second);
        Assert.Same(first, third);
        Assert.Equal(1, serializer.Deserialized);
    }

    [Fact]
    public async Task A_replaced_immutable_value_is_decoded_afresh()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        await hybrid.SetAsync("s", "one");
        Assert.Equal("one", await hybrid.GetOrCreateAsync("s", HybridTestKit.Unreachable<string>));

        await hybrid.SetAsync("s", "two");

        Assert.Equal("two", await hybrid.GetOrCreateAsync("s", HybridTestKit.Unreachable<string>));
    }

    [Fact]
    public async Task A_string_hit_is_shared_and_a_level_1_hit_allocates_nothing()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        await hybrid.SetAsync("s", new string('x', 100));
        await hybrid.SetAsync("f", new HybridTestKit.FrozenPoint(3, 4));
        string first = await hybrid.GetOrCreateAsync("s", HybridTestKit.Unreachable<string>);
        HybridTestKit.FrozenPoint point = await hybrid.GetOrCreateAsync("f", HybridTestKit.Unreachable<HybridTestKit.FrozenPoint>);
        Func<CancellationToken, ValueTask<string>> stringFactory = HybridTestKit.Unreachable<string>;
        Func<CancellationToken, ValueTask<HybridTestKit.FrozenPoint>> pointFactory = HybridTestKit.Unreachable<HybridTestKit.FrozenPoint>;

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Assert.Same(first, HybridTestKit.Completed(hybrid.GetOrCreateAsync("s", stringFactory)));
            Assert.Same(point, HybridTestKit.Completed(hybrid.GetOrCreateAsync("f", pointFactory)));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task Two_adapters_over_one_cache_decode_with_their_own_serializer()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var plain = new TieredHybridCache(cache);
        var counting = new HybridTestKit.CountingUtf8();
        var custom = new TieredHybridCache(cache, services: new HybridTestKit.Services().Add<IHybridCacheSerializer<string>>(counting));
        await plain.SetAsync("s", "value");

        string fromPlain = await plain.GetOrCreateAsync("s", HybridTestKit.Unreachable<string>);
        await custom.GetOrCreateAsync("s", HybridTestKit.Unreachable<string>);
        await custom.GetOrCreateAsync("s", HybridTestKit.Unreachable<string>);

        Assert.Equal("value", fromPlain);
        Assert.Equal(1, counting.Deserialized); // its own decode, once, not the other adapter's value
    }

    [Fact]
    public async Task Immutable_types_follow_Microsofts_rule()
    {
        Assert.True(HybridImmutableTypes<string>.IsImmutable);
        Assert.True(HybridImmutableTypes<int>.IsImmutable);
        Assert.True(HybridImmutableTypes<int?>.IsImmutable);
        Assert.True(HybridImmutableTypes<DateTime>.IsImmutable);
        Assert.True(HybridImmutableTypes<HybridTestKit.FrozenPoint>.IsImmutable);
        Assert.True(HybridTestKit.IsImmutable<HybridTestKit.FrozenStruct>());
        Assert.True(HybridTestKit.IsImmutable<HybridTestKit.FrozenStruct?>());
        Assert.False(HybridImmutableTypes<byte[]>.IsImmutable);
        Assert.False(HybridImmutableTypes<HybridTestKit.Person>.IsImmutable); // sealed, but not marked
        Assert.False(HybridImmutableTypes<HybridTestKit.UnsealedFrozen>.IsImmutable); // marked, but not sealed
        Assert.False(HybridImmutableTypes<HybridTestKit.MutableBox>.IsImmutable);
        Assert.False(HybridImmutableTypes<object>.IsImmutable);
        Assert.False(HybridImmutableTypes<(string, int)>.IsImmutable); // a value type holding a reference, unmarked

        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        await hybrid.SetAsync("t", new DateTime(2024, 1, 2, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(new DateTime(2024, 1, 2, 0, 0, 0, DateTimeKind.Utc), await hybrid.GetOrCreateAsync("t", HybridTestKit.Unreachable<DateTime>));
    }

    [Fact]
    public async Task A_hundred_concurrent_callers_run_the_factory_once_and_get_their_own_objects()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int runs = 0;

        async ValueTask<HybridTestKit.MutableBox> Factory(int n, CancellationToken token)
        {
            Interlocked.Increment(ref runs);
            started.TrySetResult();
            await gate.Task;
            return new HybridTestKit.MutableBox { Name = "made", Items = [n.ToString(System.Globalization.CultureInfo.InvariantCulture)] };
        }

        var callers = new List<Task<HybridTestKit.MutableBox>>();
        for (int i = 0; i < 100; i++)
        {
            callers.Add(hybrid.GetOrCreateAsync("k", i, Factory).AsTask());
        }

        await started.Task.WaitAsync(Patience);
        gate.SetResult();
        HybridTestKit.MutableBox[] results = await Task.WhenAll(callers).WaitAsync(Patience);

        Assert.Equal(1, runs);
        Assert.All(results, r => Assert.Equal(("made", "0"), (r.Name, Assert.Single(r.Items))));
        Assert.Equal(100, results.Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.Equal(100, cache.GetStatistics().Misses);
    }

    [Fact]
    public async Task Callers_on_many_threads_run_the_factory_once()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        int runs = 0;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        Task<string[]> all = Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            await start.Task; // released together, each continuing on a pool thread
            return await hybrid.GetOrCreateAsync("k", async token =>
            {
                Interlocked.Increment(ref runs);
                await Task.Delay(50, token);
                return "value";
            });
        })));
        start.SetResult();
        string[] results = await all.WaitAsync(Patience);

        Assert.Equal(1, runs);
        Assert.All(results, r => Assert.Equal("value", r));
    }

    [Fact]
    public async Task A_throwing_factory_fails_the_call_and_stores_nothing()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await hybrid.GetOrCreateAsync<string>("k", _ => throw new InvalidOperationException("boom")));

        Assert.Equal("boom", thrown.Message);
        Assert.Null(await cache.GetAsync("k"));
        Assert.Equal((0, 0), (cache.GetStatistics().L1Count, cache.GetStatistics().L1Hits));
    }

    [Fact]
    public async Task A_throwing_serializer_fails_the_call_and_stores_nothing()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var serializer = new HybridTestKit.CountingSerializer<HybridTestKit.Person> { FailSerialize = true };
        var hybrid = new TieredHybridCache(cache, services: new HybridTestKit.Services().Add<IHybridCacheSerializer<HybridTestKit.Person>>(serializer));

        await Assert.ThrowsAsync<FormatException>(async () =>
            await hybrid.GetOrCreateAsync("k", _ => ValueTask.FromResult(new HybridTestKit.Person("a", 1, []))));

        Assert.Null(await cache.GetAsync("k"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Bytes_the_type_cannot_read_are_a_miss_and_are_replaced(bool belowLevel1)
    {
        using TieredCache cache = HybridTestKit.NewCache(l1: belowLevel1 ? 1 : 100, l2: 10);
        var hybrid = new TieredHybridCache(cache);
        await hybrid.SetAsync("p", "not the JSON of a person");
        if (belowLevel1)
        {
            await hybrid.SetAsync("other", "pushes p to level 2");
        }

        HybridTestKit.Person made = await hybrid.GetOrCreateAsync("p", _ => ValueTask.FromResult(new HybridTestKit.Person("Ada", 36, [])));

        Assert.Equal("Ada", made.Name);
        Assert.Equal("Ada", (await hybrid.GetOrCreateAsync("p", HybridTestKit.Unreachable<HybridTestKit.Person>)).Name);
    }

    [Fact]
    public async Task Unreadable_bytes_with_no_factory_allowed_are_a_miss_and_are_removed()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        await cache.SetAsync("p", "{ broken"u8.ToArray());
        var cacheOnly = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableUnderlyingData };

        Assert.Null(await hybrid.GetOrCreateAsync("p", HybridTestKit.Unreachable<HybridTestKit.Person>, cacheOnly));
        Assert.Null(await cache.GetAsync("p"));
    }

    [Fact]
    public async Task A_null_string_is_not_cached()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await hybrid.GetOrCreateAsync("k", _ => ValueTask.FromResult<string>(null!)));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await hybrid.SetAsync<byte[]>("k", null!));

        Assert.Null(await cache.GetAsync("k"));
    }

    [Fact]
    public async Task A_null_record_round_trips_as_json_null()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);

        Assert.Null(await hybrid.GetOrCreateAsync("k", _ => ValueTask.FromResult<HybridTestKit.Person?>(null)));
        Assert.Null(await hybrid.GetOrCreateAsync("k", HybridTestKit.Unreachable<HybridTestKit.Person?>));
        Assert.Equal("null"u8.ToArray(), await cache.GetAsync("k"));
    }

    [Fact]
    public async Task Bad_keys_throw_what_the_cache_throws_and_a_null_factory_throws()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        string tooLong = new('k', TieredCache.MaxKeyLength + 1);
        var noReads = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCacheRead };

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await hybrid.GetOrCreateAsync(null!, HybridTestKit.Unreachable<string>));
        await Assert.ThrowsAsync<ArgumentException>(async () => await hybrid.GetOrCreateAsync("", HybridTestKit.Unreachable<string>));
        await Assert.ThrowsAsync<ArgumentException>(async () => await hybrid.GetOrCreateAsync(tooLong, HybridTestKit.Unreachable<string>));
        await Assert.ThrowsAsync<ArgumentException>(async () => await hybrid.GetOrCreateAsync("", HybridTestKit.Unreachable<string>, noReads));
        await Assert.ThrowsAsync<ArgumentNullException>("factory", async () => await hybrid.GetOrCreateAsync<string>("k", null!));
        await Assert.ThrowsAsync<ArgumentException>(async () => await hybrid.SetAsync("", "v"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await hybrid.SetAsync(tooLong, "v"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await hybrid.RemoveAsync(""));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await hybrid.RemoveAsync((string)null!));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
            await hybrid.SetAsync("k", "v", new HybridCacheEntryOptions { Expiration = TimeSpan.Zero }));
        Assert.Throws<ArgumentNullException>(() => new TieredHybridCache(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TieredHybridCache(cache, new TieredHybridCacheOptions
        {
            DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromSeconds(-1) },
        }));
    }

    [Fact]
    public async Task A_hit_on_a_disposed_cache_throws()
    {
        TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        await hybrid.SetAsync("k", "v");
        cache.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await hybrid.GetOrCreateAsync("k", HybridTestKit.Unreachable<string>));
    }

    [Fact]
    public async Task A_cancelled_call_throws_even_on_a_hit()
    {
        using TieredCache cache = HybridTestKit.NewCache();
        var hybrid = new TieredHybridCache(cache);
        await hybrid.SetAsync("k", "v");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await hybrid.GetOrCreateAsync("k", HybridTestKit.Unreachable<string>, cancellationToken: new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task The_underlying_statistics_count_the_adapters_hits_and_misses()
    {
        using TieredCache cache = HybridTestKit.NewCache(l1: 1, l2: 10);
        var hybrid = new TieredHybridCache(cache);

        await hybrid.GetOrCreateAsync("a", _ => ValueTask.FromResult("A")); // miss
        await hybrid.GetOrCreateAsync("a", HybridTestKit.Unreachable<string>); // L1 hit
        await hybrid.GetOrCreateAsync("a", HybridTestKit.Unreachable<string>); // L1 hit
        await hybrid.SetAsync("b", "B"); // a moves to level 2
        Assert.Equal("A", await hybrid.GetOrCreateAsync("a", HybridTestKit.Unreachable<string>)); // L2 hit

        CacheStatistics stats = cache.GetStatistics();
        Assert.Equal((2, 1, 0, 1, 4), (stats.L1Hits, stats.L2Hits, stats.L3Hits, stats.Misses, stats.Requests));
        Assert.Same(cache, hybrid.Cache);
    }

    [Fact]
    public async Task A_record_below_level_1_round_trips_and_each_caller_gets_its_own()
    {
        using TieredCache cache = HybridTestKit.NewCache(l1: 1, l2: 0, l3: 10);
        var hybrid = new TieredHybridCache(cache);
        await hybrid.SetAsync("m", new HybridTestKit.MutableBox { Name = "m", Items = ["x"] });
        await hybrid.SetAsync("other", "pushes m to level 3");

        HybridTestKit.MutableBox first = await hybrid.GetOrCreateAsync("m", HybridTestKit.Unreachable<HybridTestKit.MutableBox>);
        first.Items.Clear();
        HybridTestKit.MutableBox second = await hybrid.GetOrCreateAsync("m", HybridTestKit.Unreachable<HybridTestKit.MutableBox>);

        Assert.Equal(("m", "x"), (second.Name, Assert.Single(second.Items)));
        Assert.True(cache.GetStatistics().L3Hits >= 1);
    }
}

/// <summary>Value types, serializers and a service provider for the <see cref="TieredHybridCache"/> tests.</summary>
internal static class HybridTestKit
{
    public static TieredCache NewCache(int l1 = 100, int l2 = 10, int l3 = 10, TimeProvider? time = null) =>
        new(CacheTestData.Small(l1, l2, l3), timeProvider: time ?? new FakeTimeProvider());

    /// <summary>A factory for calls that must be hits.</summary>
    public static ValueTask<T> Unreachable<T>(CancellationToken cancellationToken) =>
        throw new InvalidOperationException("The factory ran on a call that should have been a hit.");

    public static bool IsImmutable<T>() => HybridImmutableTypes<T>.IsImmutable;

    /// <summary>The result of a call that must have completed synchronously (a level 1 hit).</summary>
    public static T Completed<T>(ValueTask<T> call)
    {
        Assert.True(call.IsCompletedSuccessfully, "A level 1 hit must complete synchronously.");
        return call.Result;
    }

    public sealed record Person(string Name, int Age, IReadOnlyList<string> Emails);

    [ImmutableObject(true)]
    public sealed record FrozenPoint(int X, int Y);

    /// <summary>Marked immutable but holding a reference: immutable only because of the attribute.</summary>
    [ImmutableObject(true)]
    public readonly record struct FrozenStruct(string Name);

    [ImmutableObject(true)]
    public class UnsealedFrozen
    {
        public int X { get; init; }
    }

    public sealed class MutableBox
    {
        public string? Name { get; set; }

        public List<string> Items { get; set; } = [];
    }

    /// <summary>JSON, counting its calls.</summary>
    public sealed class CountingSerializer<T>(string name = "counting") : IHybridCacheSerializer<T>
    {
        private int _serialized;
        private int _deserialized;

        public string Name { get; } = name;

        public bool FailSerialize { get; init; }

        public int Serialized => Volatile.Read(ref _serialized);

        public int Deserialized => Volatile.Read(ref _deserialized);

        public T Deserialize(ReadOnlySequence<byte> source)
        {
            Interlocked.Increment(ref _deserialized);
            var reader = new Utf8JsonReader(source);
            return JsonSerializer.Deserialize<T>(ref reader)!;
        }

        public void Serialize(T value, IBufferWriter<byte> target)
        {
            Interlocked.Increment(ref _serialized);
            if (FailSerialize)
            {
                throw new FormatException("Cannot serialize.");
            }

            using var writer = new Utf8JsonWriter(target);
            JsonSerializer.Serialize(writer, value);
        }
    }

    /// <summary>UTF-8 strings (the built-in's bytes), counting decodes.</summary>
    public sealed class CountingUtf8 : IHybridCacheSerializer<string>
    {
        private int _deserialized;

        public int Deserialized => Volatile.Read(ref _deserialized);

        public string Deserialize(ReadOnlySequence<byte> source)
        {
            Interlocked.Increment(ref _deserialized);
            return System.Text.EncodingExtensions.GetString(System.Text.Encoding.UTF8, source);
        }

        public void Serialize(string value, IBufferWriter<byte> target) => System.Text.EncodingExtensions.GetBytes(System.Text.Encoding.UTF8, value, target);
    }

    /// <summary>A factory that logs every question and answers for the types <paramref name="accepts"/> allows.</summary>
    public sealed class LoggingFactory(string name, List<string> log, Func<Type, bool> accepts) : IHybridCacheSerializerFactory
    {
        public List<object> Made { get; } = [];

        public bool TryCreateSerializer<T>([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IHybridCacheSerializer<T>? serializer)
        {
            lock (log)
            {
                log.Add(name);
            }

            if (!accepts(typeof(T)))
            {
                serializer = null;
                return false;
            }

            var made = new CountingSerializer<T>(name);
            Made.Add(made);
            serializer = made;
            return true;
        }
    }

    /// <summary>The little of a service provider the adapter uses: single services, and every registered serializer factory in order.</summary>
    public sealed class Services : IServiceProvider
    {
        private readonly Dictionary<Type, object> _single = [];
        private readonly List<IHybridCacheSerializerFactory> _factories = [];

        public Services Add<TService>(TService service)
            where TService : class
        {
            _single[typeof(TService)] = service;
            return this;
        }

        public Services AddFactory(IHybridCacheSerializerFactory factory)
        {
            _factories.Add(factory);
            return this;
        }

        public object? GetService(Type serviceType) =>
            serviceType == typeof(IEnumerable<IHybridCacheSerializerFactory>) ? _factories.ToArray()
            : _single.GetValueOrDefault(serviceType);
    }
}
