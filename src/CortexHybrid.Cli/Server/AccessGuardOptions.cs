namespace CortexHybrid.Cli.Server;

/// <summary>What the <see cref="AccessGuard"/> lets in.</summary>
internal sealed class AccessGuardOptions
{
    /// <summary>The access token every request must carry (<c>/health</c> without it answers only its status); null when the server needs none (loopback only).</summary>
    public string? Token { get; init; }

    /// <summary>Browser origins allowed besides the server's own (scheme://host:port).</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>Whether the server listens on loopback only: then only loopback origins are its own.</summary>
    public bool LoopbackOnly { get; init; }

    /// <summary>The body limit Kestrel enforces, for the 413 message.</summary>
    public long MaxRequestBytes { get; init; }

    /// <summary>Told the category of each refused request (for the monitor's error counts).</summary>
    public Action<string>? Refused { get; init; }
}
