namespace CortexHybrid.IntegrationTests.Server;

/// <summary>
/// One <c>cortex serve</c> whose access token comes from <c>CORTEX_TOKEN</c>, with a body limit of
/// <see cref="MaxRequestBytes"/> and logging at Trace (so a leaked token would show), on a fresh
/// store, with an SDK client that sends the token; shared by a test class.
/// </summary>
public sealed class SecuredHttpServerFixture : IAsyncLifetime
{
    public const int MaxRequestBytes = 16 * 1024;

    private readonly TemporaryDirectory _directory = new();
    private CortexProcess? _server;
    private MemoryToolClient? _memory;

    /// <summary>The server's access token: random, 36 characters.</summary>
    public string Token { get; } = "tok-" + Guid.NewGuid().ToString("N");

    public CortexProcess Server => _server ?? throw new InvalidOperationException("not started");

    public Uri Endpoint => Server.Endpoint!;

    /// <summary>A client sending the right token.</summary>
    public MemoryToolClient Memory => _memory ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _server = await CortexProcess.StartServeAsync(
            Path.Combine(_directory.Path, "store"),
            ["--max-request-bytes", MaxRequestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-level", "Trace"],
            new Dictionary<string, string?> { ["CORTEX_TOKEN"] = Token });
        _memory = await MemoryToolClient.ConnectHttpAsync(Endpoint, new Dictionary<string, string> { ["Authorization"] = "Bearer " + Token });
    }

    public async Task DisposeAsync()
    {
        if (_memory is not null)
        {
            await _memory.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _directory.Dispose();
    }
}
