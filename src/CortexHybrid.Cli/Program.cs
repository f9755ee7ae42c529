using System.CommandLine;

namespace CortexHybrid.Cli;

/// <summary>The <c>cortex</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <returns>0 on success, 1 when a command fails, 2 for a bad command line.</returns>
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("cortex: CortexHybrid's similarity kernels, vector search and serving pipeline on this machine.")
        {
            McpCommand.Create(),
            ServeCommand.Create(),
            InfoCommand.Create(),
            BenchCommand.Create(),
            DemoCommand.Create(),
            SearchCommand.Create(),
            LoadCommand.Create(),
            ImportCommand.Create(),
        };
        root.SetAction(_ => Usage(root, "choose a command."));

        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                Console.Error.WriteLine($"cortex: {error.Message}");
            }

            Console.Error.WriteLine("Run 'cortex --help' (or 'cortex <command> --help') for usage.");
            return ExitCodes.Usage;
        }

        // Commands handle Ctrl-C and SIGTERM themselves (ConsoleInterrupt): they stop, clean up and report.
        // Without this, System.CommandLine would end a command that is still cleaning up.
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    private static int Usage(RootCommand root, string problem)
    {
        Console.Error.WriteLine($"cortex: {problem} Commands: {string.Join(", ", root.Subcommands.Select(c => c.Name))}.");
        Console.Error.WriteLine("Run 'cortex --help' for usage.");
        return ExitCodes.Usage;
    }
}
