using CortexHybrid.Pooling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CortexHybrid.Hosting;

/// <summary>Configures a <see cref="ResourcePool{T}"/> registered by <c>services.AddResourcePool&lt;T, TFactory&gt;(...)</c>.</summary>
/// <typeparam name="T">The pooled resource type.</typeparam>
public sealed class ResourcePoolBuilder<T>
{
    private readonly SettingsValidator<ResourcePoolOptions> _validator;

    internal ResourcePoolBuilder(IServiceCollection services, string? name, OptionsBuilder<ResourcePoolOptions> options, SettingsValidator<ResourcePoolOptions> validator)
    {
        Services = services;
        Name = name;
        Options = options;
        _validator = validator;
    }

    /// <summary>The services the pool is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The pool's service key (resolve it with <c>[FromKeyedServices(name)]</c>), or null for the unnamed pool of <typeparamref name="T"/>.</summary>
    public string? Name { get; }

    /// <summary>The pool's options, named <see cref="Name"/> (the unnamed pool's: the full name of <typeparamref name="T"/>).</summary>
    public OptionsBuilder<ResourcePoolOptions> Options { get; }

    /// <summary>Binds the options to a configuration section, e.g. <c>"Cortex:Pools:Encoders"</c>; a bad value fails the host's start with a message naming the setting.</summary>
    /// <param name="sectionPath">The section's path in the app's <see cref="IConfiguration"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="sectionPath"/> is null or empty.</exception>
    public ResourcePoolBuilder<T> BindConfiguration(string sectionPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(sectionPath);
        Options.BindConfiguration(sectionPath);
        _validator.SectionPath = sectionPath;
        return this;
    }

    /// <summary>Binds the options to <paramref name="section"/>.</summary>
    /// <param name="section">A configuration section holding <see cref="ResourcePoolOptions"/> settings.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="section"/> is null.</exception>
    public ResourcePoolBuilder<T> Bind(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        Options.Bind(section);
        _validator.SectionPath = (section as IConfigurationSection)?.Path;
        return this;
    }
}
