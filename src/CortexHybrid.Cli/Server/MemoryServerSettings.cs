using Microsoft.Extensions.Logging;

namespace CortexHybrid.Cli.Server;

/// <summary>What <c>cortex mcp</c> and <c>cortex serve</c> were told about the memory.</summary>
internal sealed record MemoryServerSettings
{
    /// <summary>The store directory (created owner-only when missing).</summary>
    public required string StoreDirectory { get; init; }

    /// <summary>Where the model file is extracted; null for the default under the user's data folder.</summary>
    public string? ModelDirectory { get; init; }

    /// <summary>Whether the index rebuild shows a progress line on standard error.</summary>
    public bool ShowProgress { get; init; } = true;

    /// <summary>The least severe log level written to standard error.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;
}
