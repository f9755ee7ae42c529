using System.CommandLine;
using System.Text.Json;

namespace CortexHybrid.Cli;

/// <summary><c>cortex demo</c>: for now <c>info</c> followed by <c>bench</c>.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        Option<bool> json = CliOptions.JsonOption();
        Option<int[]> dimensions = BenchCommand.DimensionsOption();
        Option<int> rounds = BenchCommand.RoundsOption();
        var command = new Command("demo", "Show what 'info' shows, then run the 'bench' comparison.") { json, dimensions, rounds };
        command.SetAction(result =>
        {
            MachineReport info = MachineReport.Gather();
            ComparisonReport bench = BenchCommand.Measure(result.GetValue(dimensions)!, result.GetValue(rounds));
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { info, bench }, CliOptions.Json));
                return ExitCodes.Success;
            }

            foreach (string line in info.ToText())
            {
                Console.WriteLine(line);
            }

            Console.WriteLine();
            BenchCommand.Write(bench);
            return ExitCodes.Success;
        });
        return command;
    }
}
