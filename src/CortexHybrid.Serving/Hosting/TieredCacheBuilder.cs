using System.Diagnostics.CodeAnalysis;
using CortexHybrid.Caching;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CortexHybrid.Hosting;

/// <summary>
/// Configures a <see cref="TieredCache"/> registered by <c>services.AddTieredCache(...)</c>:
/// where its options come from, what its level 3 is, and whether it also serves as the app's
/// <see cref="Microsoft.Extensions.Caching.Hybrid.HybridCache"/>.
/// </summary>
public sealed class TieredCacheBuilder
{
    private readonly SettingsValidator<TieredCacheOptions> _validator;
    private Func<IServiceProvider, IDistributedCache?> _level3 = static services => services.GetService<IDistributedCache>();
    private Func<IServiceProvider, IConnectionMultiplexer>? _redis;
    private bool _backplane;

    internal TieredCacheBuilder(IServiceCollection services, string? name, OptionsBuilder<TieredCacheOptions> options, SettingsValidator<TieredCacheOptions> validator)
    {
        Services = services;
        Name = name;
        Options = options;
        _validator = validator;
    }

    /// <summary>The services the cache is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The cache's service key (resolve it with <c>[FromKeyedServices(name)]</c>), or null for the unnamed cache.</summary>
    public string? Name { get; }

    /// <summary>The cache's options, named <see cref="Name"/> (or <see cref="Microsoft.Extensions.Options.Options.DefaultName"/>).</summary>
    public OptionsBuilder<TieredCacheOptions> Options { get; }

    /// <summary>Binds the options to a configuration section, e.g. <c>"Cortex:Cache"</c>; a bad value fails the host's start with a message naming <c>Cortex:Cache:Setting</c>.</summary>
    /// <param name="sectionPath">The section's path in the app's <see cref="IConfiguration"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="sectionPath"/> is null or empty.</exception>
    public TieredCacheBuilder BindConfiguration(string sectionPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(sectionPath);
        Options.BindConfiguration(sectionPath);
        _validator.SectionPath = sectionPath;
        return this;
    }

    /// <summary>Binds the options to <paramref name="section"/>.</summary>
    /// <param name="section">A configuration section holding <see cref="TieredCacheOptions"/> settings.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="section"/> is null.</exception>
    public TieredCacheBuilder Bind(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        Options.Bind(section);
        _validator.SectionPath = (section as IConfigurationSection)?.Path;
        return this;
    }

    /// <summary>
    /// Level 3 from <paramref name="level3"/> instead of the app's registered
    /// <see cref="IDistributedCache"/> (the default, e.g. <c>AddStackExchangeRedisCache</c>).
    /// </summary>
    /// <param name="level3">Gives level 3; null from it means the in-process default.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="level3"/> is null.</exception>
    public TieredCacheBuilder WithLevel3(Func<IServiceProvider, IDistributedCache?> level3)
    {
        ArgumentNullException.ThrowIfNull(level3);
        _level3 = level3;
        return this;
    }

    /// <summary>Level 3 in process (a <see cref="MemoryDistributedCache"/> of the cache's own), whatever <see cref="IDistributedCache"/> the app registered.</summary>
    /// <returns>This builder.</returns>
    public TieredCacheBuilder WithInProcessLevel3() => WithLevel3(static _ => null);

    /// <summary>
    /// Makes level 3 Redis, shared by every instance of the cache's name and written through
    /// (<see cref="Level3Mode.Shared"/>, a <see cref="RedisSharedLevel3"/>), on the connection
    /// <paramref name="connection"/> gives (owned by whoever registered it: e.g. the app's
    /// <see cref="IConnectionMultiplexer"/> singleton). Sets <see cref="TieredCacheOptions.Level3Mode"/>
    /// to <see cref="Level3Mode.Shared"/>; configuration bound after this call may set it back to
    /// Overflow, and then the connection is not used.
    /// </summary>
    /// <param name="connection">Gives the Redis connection, once, when the cache is created.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is null.</exception>
    public TieredCacheBuilder WithSharedLevel3(Func<IServiceProvider, IConnectionMultiplexer> connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _redis = connection;
        Options.Configure(static o => o.Level3Mode = Level3Mode.Shared);
        return this;
    }

    /// <summary>
    /// Publishes this cache's changes on Redis pub/sub (a <see cref="RedisBackplane"/> on the shared
    /// level 3's connection) and drops level 1/2 copies of what other instances change. Needs
    /// <see cref="Level3Mode.Shared"/>: the host's start fails otherwise, naming the setting.
    /// </summary>
    /// <returns>This builder.</returns>
    public TieredCacheBuilder WithBackplane()
    {
        _backplane = true;
        return this;
    }

    /// <summary>
    /// The usual scale-out set-up in one call: a Redis connection of the cache's own to
    /// <paramref name="configuration"/> (StackExchange.Redis syntax, e.g. <c>"localhost:6379"</c>;
    /// connecting does not fail when Redis is down, and the container disposes the connection), the
    /// shared level 3 on it (<see cref="WithSharedLevel3"/>) and the backplane (<see cref="WithBackplane"/>).
    /// </summary>
    /// <param name="configuration">The StackExchange.Redis configuration string.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="configuration"/> is null, empty or not a valid configuration string.</exception>
    public TieredCacheBuilder WithRedis(string configuration)
    {
        ArgumentException.ThrowIfNullOrEmpty(configuration);
        ConfigurationOptions parsed = ConfigurationOptions.Parse(configuration);
        parsed.AbortOnConnectFail = false;
        object key = "CortexHybrid.TieredCache.Redis:" + (Name ?? string.Empty);
        Services.AddKeyedSingleton(key, (_, _) => new OwnedRedisConnection(ConnectionMultiplexer.Connect(parsed)));
        return WithSharedLevel3(provider => provider.GetRequiredKeyedService<OwnedRedisConnection>(key).Connection).WithBackplane();
    }

    /// <summary>
    /// Also registers this cache as the app's <see cref="HybridCache"/> (a <see cref="TieredHybridCache"/>
    /// over it; keyed under <see cref="Name"/> for a named cache), so code written against
    /// Microsoft's HybridCache keeps its <c>GetOrCreateAsync</c>, <c>SetAsync</c>, <c>RemoveAsync</c>
    /// and <c>RemoveByTagAsync</c> calls and its registered serializers. Switching from
    /// <c>services.AddHybridCache()</c> is replacing that line with <c>services.AddTieredCache().AsHybridCache()</c>;
    /// registered after Microsoft's, this registration is the one resolved.
    /// </summary>
    /// <param name="configure">Sets the adapter's default entry options and JSON options; null for the defaults.</param>
    /// <returns>This builder.</returns>
    public TieredCacheBuilder AsHybridCache(Action<TieredHybridCacheOptions>? configure = null)
    {
        string? name = Name;
        ServiceResolution.AddSingleton<HybridCache>(Services, name, provider =>
        {
            var options = new TieredHybridCacheOptions();
            configure?.Invoke(options);
            return new TieredHybridCache(ServiceResolution.Resolve<TieredCache>(provider, name), options, provider);
        });
        return this;
    }

    /// <summary>Registers <typeparamref name="TSerializer"/> as the <see cref="IHybridCacheSerializer{T}"/> of <typeparamref name="T"/> (what Microsoft's <c>AddSerializer</c> does), used by <see cref="AsHybridCache"/>.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <typeparam name="TSerializer">The serializer, a singleton.</typeparam>
    /// <returns>This builder.</returns>
    public TieredCacheBuilder AddSerializer<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSerializer>()
        where TSerializer : class, IHybridCacheSerializer<T>
    {
        Services.AddSingleton<IHybridCacheSerializer<T>, TSerializer>();
        return this;
    }

    /// <summary>Registers <typeparamref name="TFactory"/> as an <see cref="IHybridCacheSerializerFactory"/> (what Microsoft's <c>AddSerializerFactory</c> does), used by <see cref="AsHybridCache"/>; the last registered is asked first.</summary>
    /// <typeparam name="TFactory">The serializer factory, a singleton.</typeparam>
    /// <returns>This builder.</returns>
    public TieredCacheBuilder AddSerializerFactory<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFactory>()
        where TFactory : class, IHybridCacheSerializerFactory
    {
        Services.AddSingleton<IHybridCacheSerializerFactory, TFactory>();
        return this;
    }

    internal IDistributedCache? Level3(IServiceProvider services) => _level3(services);

    /// <summary>The settings that depend on this builder as well as on the options.</summary>
    internal void Check(TieredCacheOptions options, Validation.SettingRules rules)
    {
        rules.Require(
            options.Level3Mode != Level3Mode.Shared || _redis is not null,
            nameof(TieredCacheOptions.Level3Mode),
            options.Level3Mode,
            "Level3Mode Shared needs a Redis connection: call WithSharedLevel3(...) or WithRedis(...) on the cache's builder.");
        rules.Require(
            !_backplane || options.Level3Mode == Level3Mode.Shared,
            nameof(TieredCacheOptions.Level3Mode),
            options.Level3Mode,
            "The backplane (WithBackplane) needs Level3Mode Shared.");
    }

    /// <summary>The cache, in the mode its options say.</summary>
    internal TieredCache Create(IServiceProvider provider, TieredCacheOptions options)
    {
        TimeProvider? time = ServiceResolution.Time(provider);
        ILogger? logger = ServiceResolution.Logger<TieredCache>(provider);
        if (options.Level3Mode != Level3Mode.Shared || _redis is null)
        {
            return new TieredCache(options, Level3(provider), time, logger, ServiceResolution.Meters(provider));
        }

        IConnectionMultiplexer redis = _redis(provider);
        return new TieredCache(
            options,
            new RedisSharedLevel3(redis, options.Name),
            _backplane ? new RedisBackplane(redis, options.Name) : null,
            time,
            logger,
            ServiceResolution.Meters(provider));
    }

    /// <summary>A connection <see cref="WithRedis"/> made, disposed with the container.</summary>
    internal sealed class OwnedRedisConnection(IConnectionMultiplexer connection) : IDisposable
    {
        public IConnectionMultiplexer Connection { get; } = connection;

        public void Dispose() => Connection.Dispose();
    }
}
