using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using CortexHybrid.IntegrationTests.Cli;

namespace CortexHybrid.IntegrationTests.Server;

/// <summary>
/// A running <c>cortex mcp</c> or <c>cortex serve</c>: its standard input to write lines to, its
/// standard output and error read a line at a time (and kept, for the test's messages and for
/// searching), signals, <c>kill -9</c> and the exit code. Started through
/// <c>env --default-signal=INT,TERM</c>: a test host started in the background may ignore SIGINT,
/// and a child inherits an ignored signal.
/// </summary>
public sealed partial class CortexProcess : IAsyncDisposable
{
    /// <summary>Long enough for the model to load on a busy 2-core machine.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _errorLines = new();
    private readonly ConcurrentQueue<string> _outputLines = new();
    private readonly Channel<string> _unread = Channel.CreateUnbounded<string>();
    private readonly Task _errorPump;
    private readonly Task _outputPump;
    private readonly string _description;

    private CortexProcess(Process process, string description)
    {
        _process = process;
        _description = description;
        _errorPump = Task.Run(async () =>
        {
            while (await _process.StandardError.ReadLineAsync().ConfigureAwait(false) is string line)
            {
                _errorLines.Enqueue(line);
            }
        });
        _outputPump = Task.Run(async () =>
        {
            while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is string line)
            {
                _outputLines.Enqueue(line);
                _unread.Writer.TryWrite(line);
            }

            _unread.Writer.TryComplete();
        });
    }

    /// <summary>The process id (of the cortex process itself: env and the dotnet host exec, they do not fork).</summary>
    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The <c>serve</c> endpoint, <c>http://127.0.0.1:PORT/mcp</c>, as its start-up line reports it; null for <c>mcp</c>.</summary>
    public Uri? Endpoint { get; private set; }

    /// <summary>Everything written to standard error so far.</summary>
    public string Error => string.Join('\n', _errorLines);

    /// <summary>Everything written to standard output so far.</summary>
    public string Output => string.Join('\n', _outputLines);

    /// <summary>The standard error lines so far.</summary>
    public IReadOnlyList<string> ErrorLines => [.. _errorLines];

    /// <summary>Starts <c>cortex</c> with <paramref name="arguments"/>; <c>CORTEX_TOKEN</c> and the kernel variables are cleared unless <paramref name="environment"/> sets them.</summary>
    public static CortexProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        Assert.True(File.Exists(CortexCommand.Path), $"{CortexCommand.Path} is missing: the test project builds the CLI first");
        string[] args = [.. arguments];
        var start = new ProcessStartInfo("/usr/bin/env")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["--default-signal=INT,TERM", ChildProcess.DotnetHost, CortexCommand.Path, .. args])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string variable in (string[])[.. ChildProcess.CortexVariables, "CORTEX_TOKEN", "CORTEX_STORE"])
        {
            start.Environment.Remove(variable);
        }

        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start cortex");
        return new CortexProcess(process, "cortex " + string.Join(' ', args));
    }

    /// <summary>
    /// Starts <c>cortex serve --urls http://127.0.0.1:0 --store <paramref name="store"/></c> (a port
    /// the system picks) with <paramref name="options"/>, and waits until it reports where it listens.
    /// </summary>
    public static Task<CortexProcess> StartServeAsync(string store, IEnumerable<string>? options = null, IReadOnlyDictionary<string, string?>? environment = null) =>
        StartServingAsync(["--store", store, .. options ?? []], environment);

    /// <summary>
    /// Starts <c>cortex serve --urls http://127.0.0.1:0</c> with <paramref name="options"/> (which
    /// name the store, or PostgreSQL), and waits until it reports where it listens.
    /// </summary>
    public static async Task<CortexProcess> StartServingAsync(IEnumerable<string> options, IReadOnlyDictionary<string, string?>? environment = null)
    {
        CortexProcess server = Start(["serve", "--urls", "http://127.0.0.1:0", .. options], environment);
        try
        {
            string line = await server.WaitForErrorLineAsync("cortex serve: MCP at ", StartTimeout);
            Match url = ListeningLine().Match(line);
            Assert.True(url.Success, $"no URL in the start-up line '{line}'");
            server.Endpoint = new Uri(url.Groups[1].Value);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The first standard error line containing <paramref name="text"/>; fails when the process exits or <paramref name="timeout"/> passes first.</summary>
    public async Task<string> WaitForErrorLineAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_errorLines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is string line)
            {
                return line;
            }

            if (_process.HasExited)
            {
                await _errorPump;
                if (_errorLines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is string last)
                {
                    return last;
                }

                Assert.Fail($"{_description} exited with {_process.ExitCode} before writing '{text}'; stderr:\n{Error}");
            }

            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"{_description} did not write '{text}' in {timeout.TotalSeconds:0} s; stderr:\n{Error}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Writes one line to standard input, as it is (no check that it is JSON).</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteAsync(line + "\n");
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>The next standard output line not yet read; fails at <paramref name="timeout"/> or when output ends.</summary>
    public async Task<string> ReadLineAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return await _unread.Reader.ReadAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{_description} wrote no line on stdout in {timeout.TotalSeconds:0} s; stderr:\n{Error}");
            throw;
        }
        catch (ChannelClosedException)
        {
            Assert.Fail($"{_description} closed stdout; stderr:\n{Error}");
            throw;
        }
    }

    /// <summary>Closes standard input: end of file for the server.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Sends SIG<paramref name="signal"/> (INT or TERM) with kill(1), after checking the child does not ignore it.</summary>
    public async Task SignalAsync(string signal)
    {
        Assert.False(_process.HasExited, $"{_description} exited before SIG{signal}; stderr:\n{Error}");
        await Signals.SendAsync(_process, signal);
    }

    /// <summary>kill -9: the process gets no chance to flush or clean up.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>The exit code, once standard output and error are read to the end; fails if the process still runs after <paramref name="limit"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using (var timeout = new CancellationTokenSource(limit))
        {
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{_description} still running {limit.TotalSeconds:0} s later; stderr:\n{Error}");
            }
        }

        await Task.WhenAll(_errorPump, _outputPump);
        return _process.ExitCode;
    }

    /// <summary>Stops the process if it still runs (SIGTERM, then kill after 10 s).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                using (Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
                {
                    await kill.WaitForExitAsync();
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await _process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the signal.
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"MCP at (http://[^,\s]+/mcp)")]
    private static partial Regex ListeningLine();
}
