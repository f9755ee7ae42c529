namespace CortexHybrid.IntegrationTests.Server;

/// <summary>
/// One <c>cortex serve</c> on loopback without a token, allowing the browser origin
/// <see cref="AllowedOrigin"/>, on a fresh store, with an SDK client; shared by a test class.
/// </summary>
public sealed class HttpServerFixture : IAsyncLifetime
{
    public const string AllowedOrigin = "http://app.example";

    private readonly TemporaryDirectory _directory = new();
    private CortexProcess? _server;
    private MemoryToolClient? _memory;

    public CortexProcess Server => _server ?? throw new InvalidOperationException("not started");

    public Uri Endpoint => Server.Endpoint!;

    public MemoryToolClient Memory => _memory ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _server = await CortexProcess.StartServeAsync(Path.Combine(_directory.Path, "store"), ["--allow-origin", AllowedOrigin]);
        _memory = await MemoryToolClient.ConnectHttpAsync(Endpoint);
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
