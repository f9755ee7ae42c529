using CortexHybrid.Caching;
using CortexHybrid.Hosting;
using Microsoft.Extensions.Options;

// Extension methods for IServiceCollection live in this namespace by the ecosystem's convention
// (AddHybridCache, AddStackExchangeRedisCache, AddNpgsqlDataSource), so they need no extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="TieredCache"/> instances.</summary>
public static class TieredCacheServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="TieredCache"/> with options from <paramref name="configure"/>
    /// (and the builder's <see cref="TieredCacheBuilder.BindConfiguration"/>), validated when the host
    /// starts. Level 3 is the app's registered <see cref="Caching.Distributed.IDistributedCache"/>
    /// when there is one (e.g. <c>AddStackExchangeRedisCache</c>), else in process; in
    /// <see cref="Level3Mode.Shared"/> it is Redis, from the builder's <see cref="TieredCacheBuilder.WithRedis"/>
    /// or <see cref="TieredCacheBuilder.WithSharedLevel3"/>. The clock, logger
    /// and meter come from the container's <see cref="TimeProvider"/>, <see cref="Logging.ILoggerFactory"/>
    /// and <see cref="System.Diagnostics.Metrics.IMeterFactory"/> when registered.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options; null for the defaults.</param>
    /// <returns>A builder for the rest of the cache's configuration.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static TieredCacheBuilder AddTieredCache(this IServiceCollection services, Action<TieredCacheOptions>? configure = null) =>
        Add(services, name: null, configure);

    /// <summary>
    /// Registers a keyed singleton <see cref="TieredCache"/> under <paramref name="name"/> (resolve it
    /// with <c>[FromKeyedServices("name")]</c> or <c>GetRequiredKeyedService</c>); its
    /// <see cref="TieredCacheOptions.Name"/> defaults to <paramref name="name"/>. Otherwise as
    /// <see cref="AddTieredCache(IServiceCollection, Action{TieredCacheOptions}?)"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The cache's service key and options name.</param>
    /// <param name="configure">Sets the options; null for the defaults.</param>
    /// <returns>A builder for the rest of the cache's configuration.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public static TieredCacheBuilder AddTieredCache(this IServiceCollection services, string name, Action<TieredCacheOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Add(services, name, configure);
    }

    private static TieredCacheBuilder Add(IServiceCollection services, string? name, Action<TieredCacheOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        string optionsName = name ?? Options.Options.DefaultName;
        OptionsBuilder<TieredCacheOptions> options = services.AddOptions<TieredCacheOptions>(optionsName);
        if (name is not null)
        {
            options.Configure(o => o.Name = name);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        string component = name is null ? "TieredCache" : $"TieredCache '{name}'";
        TieredCacheBuilder? built = null;
        var validator = new SettingsValidator<TieredCacheOptions>(optionsName, component, o =>
        {
            CortexHybrid.Validation.SettingRules rules = o.Check();
            built?.Check(o, rules);
            return rules;
        });
        services.AddSingleton<IValidateOptions<TieredCacheOptions>>(validator);
        options.ValidateOnStart();

        var builder = new TieredCacheBuilder(services, name, options, validator);
        built = builder;
        ServiceResolution.AddSingleton(services, name, provider => builder.Create(
            provider,
            provider.GetRequiredService<IOptionsMonitor<TieredCacheOptions>>().Get(optionsName)));
        services.AddSingleton(new MonitorAttachment((monitor, provider) =>
        {
            TieredCache cache = ServiceResolution.Resolve<TieredCache>(provider, name);
            monitor.Attach(cache, cache.Name);
        }));
        return builder;
    }
}
