using System.CommandLine;
using System.CommandLine.Parsing;

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
            // One line: the first error (the others usually follow from it), with where help is.
            Console.Error.WriteLine(UsageLine(parsed.Errors[0].Message, HelpCommand(parsed.CommandResult)));
            return ExitCodes.Usage;
        }

        // Commands handle Ctrl-C and SIGTERM themselves (ConsoleInterrupt): they stop, clean up and report.
        // Without this, System.CommandLine would end a command that is still cleaning up.
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    private static int Usage(RootCommand root, string problem)
    {
        Console.Error.WriteLine(UsageLine($"{problem} Commands: {string.Join(", ", root.Subcommands.Select(c => c.Name))}.", "cortex"));
        return ExitCodes.Usage;
    }

    /// <summary>
    /// The one line a bad command line gets: <c>cortex: --k takes ...; 'abc' is not one. (cortex search --help for usage)</c>.
    /// </summary>
    internal static string UsageLine(string message, string command) =>
        $"cortex: {message.ReplaceLineEndings(" ").Trim()} ({command} --help for usage)";

    /// <summary>The command whose help fits the error: <c>cortex</c>, or <c>cortex search</c> once a subcommand was parsed.</summary>
    private static string HelpCommand(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? current = result; current is not null; current = current.Parent)
        {
            if (current is CommandResult { Command: not RootCommand } command)
            {
                names.Insert(0, command.Command.Name);
            }
        }

        return string.Join(' ', ["cortex", .. names]);
    }
}
