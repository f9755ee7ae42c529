using System.CommandLine;
using CortexHybrid.Memory;
using Microsoft.Extensions.Logging;

namespace CortexHybrid.Cli.Server;

/// <summary>The options <c>cortex mcp</c>, <c>cortex serve</c> and <c>cortex demo</c> share about the memory.</summary>
internal static class StoreOptions
{
    /// <summary>A new <c>--store DIR</c> option.</summary>
    public static Option<string?> Store() => new("--store")
    {
        Description = $"The memory's directory (created, readable by you only, when missing). Default: ${MemoryPaths.StoreVariable}, else {MemoryPaths.DefaultStoreDirectory()}.",
    };

    /// <summary>A new <c>--log-level</c> option.</summary>
    public static Option<LogLevel> LogLevelOption() => new("--log-level")
    {
        Description = "The least severe log messages written to standard error: Trace, Debug, Information, Warning, Error, Critical or None.",
        DefaultValueFactory = _ => LogLevel.Information,
    };

    /// <summary>The store directory given, or the default.</summary>
    public static string Directory(string? given) => string.IsNullOrWhiteSpace(given) ? MemoryPaths.DefaultStoreDirectory() : Path.GetFullPath(given);
}
