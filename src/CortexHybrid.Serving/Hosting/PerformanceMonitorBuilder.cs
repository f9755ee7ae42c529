using CortexHybrid.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CortexHybrid.Hosting;

/// <summary>Configures the <see cref="PerformanceMonitor"/> registered by <c>services.AddPerformanceMonitor(...)</c>.</summary>
public sealed class PerformanceMonitorBuilder
{
    private readonly SettingsValidator<PerformanceMonitorOptions> _validator;

    internal PerformanceMonitorBuilder(IServiceCollection services, OptionsBuilder<PerformanceMonitorOptions> options, SettingsValidator<PerformanceMonitorOptions> validator)
    {
        Services = services;
        Options = options;
        _validator = validator;
    }

    /// <summary>The services the monitor is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The monitor's options.</summary>
    public OptionsBuilder<PerformanceMonitorOptions> Options { get; }

    /// <summary>Binds the options to a configuration section, e.g. <c>"Cortex:Monitor"</c>; a bad value fails the host's start with a message naming the setting.</summary>
    /// <param name="sectionPath">The section's path in the app's <see cref="IConfiguration"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="sectionPath"/> is null or empty.</exception>
    public PerformanceMonitorBuilder BindConfiguration(string sectionPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(sectionPath);
        Options.BindConfiguration(sectionPath);
        _validator.SectionPath = sectionPath;
        return this;
    }

    /// <summary>Binds the options to <paramref name="section"/>.</summary>
    /// <param name="section">A configuration section holding <see cref="PerformanceMonitorOptions"/> settings.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="section"/> is null.</exception>
    public PerformanceMonitorBuilder Bind(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        Options.Bind(section);
        _validator.SectionPath = (section as IConfigurationSection)?.Path;
        return this;
    }
}
