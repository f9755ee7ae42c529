using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CortexHybrid.Hosting;

/// <summary>What every registration takes from the container when it is there, and does without when not.</summary>
internal static class ServiceResolution
{
    public static TimeProvider? Time(IServiceProvider services) => services.GetService<TimeProvider>();

    public static ILogger? Logger<TCategory>(IServiceProvider services) => services.GetService<ILoggerFactory>()?.CreateLogger<TCategory>();

    public static IMeterFactory? Meters(IServiceProvider services) => services.GetService<IMeterFactory>();

    /// <summary>A singleton under <paramref name="name"/> (keyed), or the unnamed one when <paramref name="name"/> is null.</summary>
    public static TService Resolve<TService>(IServiceProvider services, string? name)
        where TService : notnull =>
        name is null ? services.GetRequiredService<TService>() : services.GetRequiredKeyedService<TService>(name);

    public static void AddSingleton<TService>(IServiceCollection services, string? name, Func<IServiceProvider, TService> create)
        where TService : class
    {
        if (name is null)
        {
            services.AddSingleton(create);
        }
        else
        {
            services.AddKeyedSingleton(name, (provider, _) => create(provider));
        }
    }
}
