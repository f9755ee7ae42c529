using System.CommandLine;
using CortexHybrid.Cli.Server;
using CortexHybrid.Search;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CortexHybrid.Cli;

/// <summary><c>cortex mcp</c>: the memory as an MCP server over standard input and output, as desktop clients run local servers.</summary>
internal static class McpCommand
{
    public static Command Create()
    {
        Option<string?> store = StoreOptions.Store();
        Option<VectorStorage> indexStorage = StoreOptions.IndexStorage();
        Option<int> indexPrefilter = StoreOptions.IndexPrefilter();
        var logLevel = StoreOptions.LogLevelOption();
        Option<bool> verbose = CommandErrors.VerboseOption();
        var command = new Command("mcp", "Serve the semantic memory over MCP on standard input/output (logs on standard error).") { store, indexStorage, indexPrefilter, logLevel, verbose };
        command.SetAction((result, _) => CommandErrors.RunAsync(result.GetValue(verbose), async () =>
        {
            var settings = new MemoryServerSettings
            {
                StoreDirectory = StoreOptions.Directory(result.GetValue(store)),
                IndexStorage = result.GetValue(indexStorage),
                IndexSignPrefilter = result.GetValue(indexPrefilter),
                LogLevel = result.GetValue(logLevel),
            };
            using IHost host = MemoryServer.BuildStdio(settings);
            IHostApplicationLifetime lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            try
            {
                // Ends when the client closes standard input, or at SIGINT/SIGTERM.
                await host.RunAsync();
            }
            catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                // A signal while starting (the store opening, the index loading): stopped, as asked.
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
