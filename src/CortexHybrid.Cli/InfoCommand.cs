using System.CommandLine;
using System.Text.Json;

namespace CortexHybrid.Cli;

/// <summary><c>cortex info</c>: CPU features, the kernel chosen, and the native library (path, version) or why it is not used.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        Option<bool> json = CliOptions.JsonOption();
        var command = new Command("info", "Show CPU features, the kernel chosen, and the native library's path and version, or why it is not used.") { json };
        command.SetAction(result =>
        {
            MachineReport report = MachineReport.Gather();
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, CliOptions.Json));
            }
            else
            {
                foreach (string line in report.ToText())
                {
                    Console.WriteLine(line);
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
