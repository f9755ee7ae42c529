namespace CortexHybrid.Cli;

/// <summary>
/// Ctrl-C as a cancellation token for the whole command: the process is not killed, the command
/// stops what it is doing, cleans up and still reports. Listen at the start of the command, so a
/// Ctrl-C during start-up is handled the same way.
/// </summary>
internal sealed class ConsoleInterrupt : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly ConsoleCancelEventHandler _handler;

    private ConsoleInterrupt()
    {
        _handler = (_, e) =>
        {
            e.Cancel = true;
            _source.Cancel();
        };
        Console.CancelKeyPress += _handler;
    }

    /// <summary>Cancelled at the first Ctrl-C.</summary>
    public CancellationToken Token => _source.Token;

    public static ConsoleInterrupt Listen() => new();

    public void Dispose()
    {
        Console.CancelKeyPress -= _handler;
        _source.Dispose();
    }
}
