using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CortexHybrid.Hosting;

/// <summary>Configures the vector index registered by <c>services.AddVectorIndex(...)</c>.</summary>
public sealed class VectorIndexBuilder
{
    private readonly SettingsValidator<VectorIndexOptions> _validator;

    internal VectorIndexBuilder(IServiceCollection services, OptionsBuilder<VectorIndexOptions> options, SettingsValidator<VectorIndexOptions> validator)
    {
        Services = services;
        Options = options;
        _validator = validator;
    }

    /// <summary>The services the index is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The index's options.</summary>
    public OptionsBuilder<VectorIndexOptions> Options { get; }

    /// <summary>Binds the options to a configuration section, e.g. <c>"Cortex:Index"</c>; a bad value fails the host's start with a message naming the setting.</summary>
    /// <param name="sectionPath">The section's path in the app's <see cref="IConfiguration"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="sectionPath"/> is null or empty.</exception>
    public VectorIndexBuilder BindConfiguration(string sectionPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(sectionPath);
        Options.BindConfiguration(sectionPath);
        _validator.SectionPath = sectionPath;
        return this;
    }

    /// <summary>Binds the options to <paramref name="section"/>.</summary>
    /// <param name="section">A configuration section holding <see cref="VectorIndexOptions"/> settings.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="section"/> is null.</exception>
    public VectorIndexBuilder Bind(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        Options.Bind(section);
        _validator.SectionPath = (section as IConfigurationSection)?.Path;
        return this;
    }
}
