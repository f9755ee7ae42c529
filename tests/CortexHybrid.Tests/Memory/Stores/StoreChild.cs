using System.Diagnostics;

namespace CortexHybrid.Tests.Memory.Stores;

/// <summary>A running child of <see cref="StoreChildProgram"/>: its stdout read line by line, its stdin open.</summary>
public sealed class StoreChild : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _error;

    private StoreChild(Process process)
    {
        _process = process;
        _error = process.StandardError.ReadToEndAsync();
    }

    public int Pid => _process.Id;

    public static StoreChild Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(Support.ChildProcess.DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new StoreChild(Process.Start(start) ?? throw new InvalidOperationException("could not start the store child"));
    }

    /// <summary>The next line of stdout, or null at its end.</summary>
    /// <exception cref="TimeoutException">No line within <paramref name="timeout"/> (default 60 s).</exception>
    public async Task<string?> ReadLineAsync(TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            return await _process.StandardOutput.ReadLineAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The store child printed nothing in time; its stderr: {Error()}");
        }
    }

    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>SIGKILL on Unix: no handler, no flush, no finally runs.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public async Task<int> WaitForExitAsync()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(cancellation.Token);
        return _process.ExitCode;
    }

    /// <summary>What the child wrote to stderr so far (all of it once it has exited).</summary>
    public string Error() => _error.IsCompleted ? _error.Result : "(still running)";

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
