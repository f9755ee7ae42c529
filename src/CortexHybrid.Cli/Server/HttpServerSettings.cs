namespace CortexHybrid.Cli.Server;

/// <summary>What <c>cortex serve</c> was told about its HTTP side.</summary>
internal sealed record HttpServerSettings
{
    /// <summary>The URLs Kestrel listens on.</summary>
    public required IReadOnlyList<string> Urls { get; init; }

    /// <summary>The access token; required unless every URL is loopback.</summary>
    public string? Token { get; init; }

    /// <summary>Browser origins allowed besides the server's own.</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>Whether every URL is loopback.</summary>
    public bool LoopbackOnly { get; init; }

    /// <summary>The largest request body accepted, in bytes (larger: 413).</summary>
    public long MaxRequestBytes { get; init; } = 256 * 1024;
}
