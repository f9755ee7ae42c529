using CortexHybrid.Caching;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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

    internal IDistributedCache? Level3(IServiceProvider services) => _level3(services);
}
