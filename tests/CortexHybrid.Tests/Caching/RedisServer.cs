using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CortexHybrid.Tests.Caching;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, without persistence. <see cref="StopAsync"/>
/// kills it (an outage) and <see cref="StartAsync"/> starts it again on the same port; disposing
/// kills it.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private const int MaxLogLines = 200;

    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;
    private bool _started;

    /// <summary>Finds <c>redis-server</c> and a free port; starts nothing yet.</summary>
    /// <param name="password">When given, the server requires it (<c>requirepass</c>) of every client.</param>
    /// <exception cref="InvalidOperationException"><c>redis-server</c> is not installed.</exception>
    public RedisServer(string? password = null)
    {
        Executable = FindExecutable();
        Port = FreePort();
        Password = password;
    }

    /// <summary>The password clients must give, or null when the server asks none.</summary>
    public string? Password { get; }

    /// <summary>The <c>redis-server</c> binary.</summary>
    public string Executable { get; }

    /// <summary>The loopback port the server listens on (the same across restarts).</summary>
    public int Port { get; private set; }

    /// <summary>The server's end point.</summary>
    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>Whether the server process is running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>
    /// Starts the server and returns once it answers PING. The first start moves to another free
    /// port if the chosen one was taken meanwhile; a restart keeps its port.
    /// </summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"redis-server is already running on port {Port}.");
        }

        for (int attempt = 1; ; attempt++)
        {
            _process?.Dispose();
            _process = Launch();
            if (await WaitForPingAsync(_process))
            {
                _started = true;
                return;
            }

            Kill(_process);
            if (_started || attempt == 3)
            {
                throw new InvalidOperationException(
                    $"redis-server did not answer PING on 127.0.0.1:{Port} within {StartTimeout.TotalSeconds:0} s. Its output:{Environment.NewLine}{string.Join(Environment.NewLine, _log)}");
            }

            // Another process took the port between the probe and the start: try another.
            Port = FreePort();
        }
    }

    /// <summary>Kills the server (SIGKILL: no goodbye to clients), as an outage would.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        Kill(_process);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(timeout.Token);
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>
    /// <c>redis-server</c> from PATH, else /usr/bin or /usr/sbin.
    /// </summary>
    /// <exception cref="InvalidOperationException">It is in none of them.</exception>
    public static string FindExecutable()
    {
        IEnumerable<string> directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/sbin"]);
        foreach (string directory in directories)
        {
            string candidate = Path.Combine(directory, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "The Redis tests need a real redis-server, and none was found on PATH or in /usr/bin or /usr/sbin. "
            + "Install it with `apt-get install -y redis-server` (the build's Test target installs it).");
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private Process Launch()
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (string argument in (string[])["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"])
        {
            start.ArgumentList.Add(argument);
        }

        if (Password is not null)
        {
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(Password);
        }

        _log.Clear();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) => Record(line.Data);
        process.ErrorDataReceived += (_, line) => Record(line.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {Executable}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        while (_log.Count > MaxLogLines && _log.TryDequeue(out _))
        {
        }
    }

    private async Task<bool> WaitForPingAsync(Process process)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                return false;
            }

            if (await AnswersPingAsync())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return false;
    }

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            NetworkStream stream = client.GetStream();
            byte[] expected = Password is null ? "+PONG\r\n"u8.ToArray() : "+OK\r\n+PONG\r\n"u8.ToArray();
            byte[] command = Encoding.ASCII.GetBytes(Password is null ? "PING\r\n" : $"AUTH {Password}\r\nPING\r\n");
            await stream.WriteAsync(command, timeout.Token);
            byte[] reply = new byte[64];
            int read = 0;
            while (read < expected.Length)
            {
                int got = await stream.ReadAsync(reply.AsMemory(read), timeout.Token);
                if (got == 0)
                {
                    break;
                }

                read += got;
            }

            return reply.AsSpan(0, read).StartsWith(expected);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It has exited already.
        }
    }
}
