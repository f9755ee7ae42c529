using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CortexHybrid.Tests.Hosting;

/// <summary>Generic hosts as an app builds them, minus the console: the Development environment (scopes and registrations validated when built) and only the given configuration.</summary>
internal static class TestHosts
{
    public static HostApplicationBuilder Builder(IEnumerable<KeyValuePair<string, string?>>? configuration = null, CapturingLoggerProvider? logs = null)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = Environments.Development,
            Args = [],
            ApplicationName = "CortexHybrid.Tests",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(logs);
        }

        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }

        return builder;
    }

    /// <summary>Builds and starts the host; the caller disposes it.</summary>
    public static async Task<IHost> StartAsync(HostApplicationBuilder builder)
    {
        IHost host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return host;
    }
}
