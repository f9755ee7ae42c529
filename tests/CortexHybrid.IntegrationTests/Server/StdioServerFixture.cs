using System.Collections.Concurrent;

namespace CortexHybrid.IntegrationTests.Server;

/// <summary>One <c>cortex mcp</c> on a fresh store, started by the SDK's stdio transport, shared by a test class.</summary>
public sealed class StdioServerFixture : IAsyncLifetime
{
    private readonly TemporaryDirectory _directory = new();
    private readonly ConcurrentQueue<string> _errorLines = new();
    private MemoryToolClient? _memory;

    public MemoryToolClient Memory => _memory ?? throw new InvalidOperationException("not started");

    /// <summary>What the server wrote on standard error so far.</summary>
    public string Error => string.Join('\n', _errorLines);

    public async Task InitializeAsync() =>
        _memory = await MemoryToolClient.StartStdioAsync(Path.Combine(_directory.Path, "store"), _errorLines.Enqueue);

    public async Task DisposeAsync()
    {
        if (_memory is not null)
        {
            await _memory.DisposeAsync();
        }

        _directory.Dispose();
    }
}
