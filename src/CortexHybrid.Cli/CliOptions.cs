using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CortexHybrid.Cli;

/// <summary>Options and output settings every command shares.</summary>
internal static class CliOptions
{
    /// <summary>How JSON output is written.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>A new <c>--concurrency</c> option: concurrent clients, 1 to 1024, default 8.</summary>
    public static Option<int> ConcurrencyOption() => new("--concurrency")
    {
        Description = "Concurrent clients, 1 to 1024.",
        DefaultValueFactory = _ => 8,
        Validators = { result => { if (result.GetValueOrDefault<int>() is < 1 or > 1024) { result.AddError("--concurrency takes a number from 1 to 1024."); } } },
    };

    /// <summary>A new <c>--json</c> option.</summary>
    public static Option<bool> JsonOption() => new("--json") { Description = "Write JSON to standard output instead of text." };
}
