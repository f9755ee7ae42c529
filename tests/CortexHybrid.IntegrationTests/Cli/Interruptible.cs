using System.Collections.Concurrent;
using System.Diagnostics;

namespace CortexHybrid.IntegrationTests.Cli;

/// <summary>
/// <c>cortex</c> as a child process that a test interrupts with SIGINT, as Ctrl-C would, or
/// SIGTERM. It is started through <c>env --default-signal=INT,TERM</c>: a test host started in
/// the background may ignore SIGINT, and a child inherits an ignored signal.
/// </summary>
internal sealed class Interruptible : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _errorLines = new();
    private readonly Task<string> _output;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _awaited = new(StringComparer.Ordinal);

    private Interruptible(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null)
            {
                _errorLines.Enqueue(line.Data);
                foreach ((string text, TaskCompletionSource seen) in _awaited)
                {
                    if (line.Data.Contains(text, StringComparison.Ordinal))
                    {
                        seen.TrySetResult();
                    }
                }
            }
        };
        _process.BeginErrorReadLine();
        _output = _process.StandardOutput.ReadToEndAsync();
    }

    public string Error => string.Join('\n', _errorLines);

    public bool HasExited => _process.HasExited;

    public static Interruptible Start(IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        Assert.True(File.Exists(CortexCommand.Path), $"{CortexCommand.Path} is missing");
        var start = new ProcessStartInfo("/usr/bin/env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["--default-signal=INT,TERM", ChildProcess.DotnetHost, CortexCommand.Path, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string variable in ChildProcess.CortexVariables)
        {
            start.Environment.Remove(variable);
        }

        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        return new Interruptible(Process.Start(start) ?? throw new InvalidOperationException("could not start cortex"));
    }

    /// <summary>True once a line of standard error contains <paramref name="text"/>; false after <paramref name="timeout"/> or when the process exits first.</summary>
    public async Task<bool> WaitForErrorLineAsync(string text, TimeSpan timeout)
    {
        TaskCompletionSource seen = _awaited.GetOrAdd(text, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_errorLines.Any(line => line.Contains(text, StringComparison.Ordinal)))
        {
            seen.TrySetResult();
        }

        await Task.WhenAny(seen.Task, _process.WaitForExitAsync(), Task.Delay(timeout));
        return seen.Task.IsCompleted;
    }

    /// <summary>Sends SIG<paramref name="signal"/> (INT is what Ctrl-C sends, TERM what kill and service managers send) with kill(1), after checking the child does not ignore it.</summary>
    public async Task SignalAsync(string signal)
    {
        Assert.False(_process.HasExited, $"cortex exited before SIG{signal}; stderr: {Error}");
        await Signals.SendAsync(_process, signal);
    }

    /// <summary>The exit code and output; fails if the process is still running after <paramref name="limit"/>.</summary>
    public async Task<(int ExitCode, string Output, string Error)> WaitForExitAsync(TimeSpan limit)
    {
        using (var timeout = new CancellationTokenSource(limit))
        {
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"cortex still running {limit.TotalSeconds:0} s after the signal; stderr: {Error}");
            }
        }

        return (_process.ExitCode, await _output, Error);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }
}
