using System.Runtime.InteropServices;

namespace CortexHybrid.Cli;

/// <summary>
/// Ctrl-C (SIGINT), SIGQUIT and SIGTERM as a cancellation token for the whole command: the process
/// is not killed, the command stops what it is doing, cleans up and still reports. Listen at the
/// start of the command, so a signal during start-up is handled the same way (the command checks
/// the token once it is up and stops at once).
/// </summary>
/// <remarks>
/// SIGINT and SIGQUIT are what <see cref="Console.CancelKeyPress"/> handled before; SIGTERM (what
/// <c>kill</c>, <c>docker stop</c> and systemd send) is treated the same. On Windows the runtime
/// maps Ctrl-C, Ctrl-Break and shutdown to these signals.
/// </remarks>
internal sealed class ConsoleInterrupt : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;

    /// <summary>The first signal received, as an int (the <see cref="PosixSignal"/> values are all negative); 0 for none.</summary>
    private int _signal;

    private ConsoleInterrupt()
    {
        _registrations = [Register(PosixSignal.SIGINT), Register(PosixSignal.SIGQUIT), Register(PosixSignal.SIGTERM)];
    }

    /// <summary>Cancelled at the first signal.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>What stopped the command, for its report: <c>Ctrl-C</c>, <c>SIGQUIT</c> or <c>SIGTERM</c>; null while none has come.</summary>
    public string? StoppedBy => Volatile.Read(ref _signal) switch
    {
        0 => null,
        (int)PosixSignal.SIGINT => "Ctrl-C",
        (int)PosixSignal.SIGQUIT => "SIGQUIT",
        _ => "SIGTERM",
    };

    public static ConsoleInterrupt Listen() => new();

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }

        _source.Dispose();
    }

    private PosixSignalRegistration Register(PosixSignal signal) => PosixSignalRegistration.Create(signal, context =>
    {
        // Cancel: the runtime's default (end the process) does not happen; the command ends itself.
        context.Cancel = true;
        Interlocked.CompareExchange(ref _signal, (int)signal, 0);
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A signal racing Dispose: the command has finished already.
        }
    });
}
