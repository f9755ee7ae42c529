using CortexHybrid.Hosting;
using CortexHybrid.Metrics;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="PerformanceMonitor"/>.</summary>
public static class PerformanceMonitorServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="PerformanceMonitor"/> with options from
    /// <paramref name="configure"/> (and the builder's <see cref="PerformanceMonitorBuilder.BindConfiguration"/>),
    /// validated when the host starts. Every cache, pool and vector index registered with
    /// <c>AddTieredCache</c>, <c>AddResourcePool</c> and <c>AddVectorIndex</c> is attached to it (in
    /// its reports and health score). The clock, logger and meter come from the container's
    /// <see cref="TimeProvider"/>, <see cref="Logging.ILoggerFactory"/> and
    /// <see cref="System.Diagnostics.Metrics.IMeterFactory"/> when registered.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options; null for the defaults.</param>
    /// <returns>A builder for the rest of the monitor's configuration.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static PerformanceMonitorBuilder AddPerformanceMonitor(this IServiceCollection services, Action<PerformanceMonitorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<PerformanceMonitorOptions> options = services.AddOptions<PerformanceMonitorOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        var validator = new SettingsValidator<PerformanceMonitorOptions>(Options.Options.DefaultName, "PerformanceMonitor", static o => o.Check());
        services.AddSingleton<IValidateOptions<PerformanceMonitorOptions>>(validator);
        options.ValidateOnStart();
        services.AddSingleton(provider =>
        {
            var monitor = new PerformanceMonitor(
                provider.GetRequiredService<IOptions<PerformanceMonitorOptions>>().Value,
                ServiceResolution.Time(provider),
                ServiceResolution.Logger<PerformanceMonitor>(provider),
                ServiceResolution.Meters(provider));
            foreach (MonitorAttachment attachment in provider.GetServices<MonitorAttachment>())
            {
                attachment.AttachTo(monitor, provider);
            }

            return monitor;
        });
        return new PerformanceMonitorBuilder(services, options, validator);
    }
}
