using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CortexHybrid.IntegrationTests.Cli;

namespace CortexHybrid.IntegrationTests.Server;

/// <summary>
/// An independent client proves the server: tests/mcp-client/driver.mjs, built on the official
/// TypeScript MCP SDK (installed by <c>npm ci</c> from its lockfile; build.cake's Test target does
/// that), runs its scenario against <c>cortex mcp</c> over stdio and <c>cortex serve</c> over
/// Streamable HTTP, without and with an access token. Every check line it prints must pass.
/// </summary>
public sealed class TypeScriptClientTests : IDisposable
{
    private const string Token = "ts-driver-token-0123456789abcdef";

    private static readonly TimeSpan DriverTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ServerStartTimeout = TimeSpan.FromMinutes(2);

    private static readonly string ClientDirectory = Path.Combine(RepositoryPaths.Root, "tests", "mcp-client");
    private static readonly string Driver = Path.Combine(ClientDirectory, "driver.mjs");

    private readonly List<TemporaryDirectory> _stores = [];
    private readonly List<Process> _servers = [];

    [Fact]
    public void Every_check_passes_over_stdio()
    {
        string store = NewStore();
        string server = $"{Quote(ChildProcess.DotnetHost)} {Quote(CortexCommand.Path)} mcp --store {Quote(store)}";
        AssertEveryCheckPasses(null, "--stdio", server);
    }

    [Fact]
    public void Every_check_passes_over_streamable_http()
    {
        (string url, StringBuilder log) = StartServe(token: null);
        AssertEveryCheckPasses(log, "--http", url);
    }

    [Fact]
    public void Every_check_passes_over_streamable_http_with_an_access_token()
    {
        (string url, StringBuilder log) = StartServe(Token);
        string output = AssertEveryCheckPasses(log, "--http", url, "--token", Token);
        Assert.Contains("token: a client without it gets HTTP 401", output);
    }

    public void Dispose()
    {
        foreach (Process server in _servers)
        {
            try
            {
                if (!server.HasExited)
                {
                    server.Kill(entireProcessTree: true);
                    server.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            server.Dispose();
        }

        foreach (TemporaryDirectory store in _stores)
        {
            store.Dispose();
        }
    }

    /// <summary>Runs the driver; it must exit with 0 and every JSON line it prints must say ok.</summary>
    private static string AssertEveryCheckPasses(StringBuilder? serverLog, params string[] arguments)
    {
        Assert.True(File.Exists(CortexCommand.Path), $"{CortexCommand.Path} is missing: the test project builds the CLI first");
        Assert.True(
            File.Exists(Path.Combine(ClientDirectory, "node_modules", "@modelcontextprotocol", "sdk", "package.json")),
            $"The TypeScript MCP SDK is not installed: run `npm ci` in {ClientDirectory} (./build.sh --target=Test does).");

        (int exitCode, string output, string error) = RunNode([Driver, .. arguments]);
        string report = $"node driver.mjs {string.Join(' ', arguments)} exited with {exitCode}.\n--- driver output\n{output}\n--- driver standard error\n{error}"
            + (serverLog is null ? "" : $"\n--- server standard error\n{Snapshot(serverLog)}");

        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var failed = new List<string>();
        foreach (string line in lines)
        {
            using JsonDocument json = JsonDocument.Parse(line);
            JsonElement check = json.RootElement;
            if (!check.GetProperty("ok").GetBoolean())
            {
                failed.Add($"{check.GetProperty("check").GetString()}: {check.GetProperty("detail").GetString()}");
            }
        }

        Assert.True(failed.Count == 0, $"{failed.Count} of {lines.Length} checks failed:\n  {string.Join("\n  ", failed)}\n\n{report}");
        Assert.True(exitCode == 0, report);

        // The whole scenario ran: the last check is the recall after the bad inputs.
        Assert.True(lines.Length >= 25, $"only {lines.Length} checks ran\n{report}");
        Assert.Contains("after the bad inputs the server still answers a recall", output);
        return output;
    }

    private static (int ExitCode, string Output, string Error) RunNode(string[] arguments)
    {
        try
        {
            return ChildProcess.Run("node", arguments, workingDirectory: ClientDirectory, timeout: DriverTimeout);
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            Assert.Fail($"node could not be started ({exception.Message}): the TypeScript client tests need Node.js 20 or later on PATH.");
            throw;
        }
    }

    private string NewStore()
    {
        var store = new TemporaryDirectory();
        _stores.Add(store);
        return store.Path;
    }

    /// <summary>Starts <c>cortex serve</c> on a free loopback port and waits for it to say where MCP is.</summary>
    private (string Url, StringBuilder Log) StartServe(string? token)
    {
        string store = NewStore();
        int port = FreePort();
        var start = new ProcessStartInfo(ChildProcess.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])[CortexCommand.Path, "serve", "--urls", $"http://127.0.0.1:{port}", "--store", store])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string variable in ChildProcess.CortexVariables)
        {
            start.Environment.Remove(variable);
        }

        start.Environment.Remove("CORTEX_TOKEN");
        if (token is not null)
        {
            start.Environment["CORTEX_TOKEN"] = token;
        }

        var log = new StringBuilder();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (log)
            {
                log.AppendLine(e.Data);
            }

            if (e.Data.Contains("MCP at", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        _servers.Add(process);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        Task exited = process.WaitForExitAsync();
        Task first = Task.WhenAny(ready.Task, exited, Task.Delay(ServerStartTimeout)).GetAwaiter().GetResult();
        Assert.True(first == ready.Task, $"cortex serve did not say \"MCP at\" within {ServerStartTimeout.TotalSeconds:0} s{(process.HasExited ? $" (it exited with {process.ExitCode})" : "")}:\n{Snapshot(log)}");
        return ($"http://127.0.0.1:{port}/mcp", log);
    }

    private static string Snapshot(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
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

    /// <summary>A word for the driver's --stdio command line, which splits on white space and honours double quotes.</summary>
    private static string Quote(string word) => word.Any(char.IsWhiteSpace) || word.Contains('\'') ? $"\"{word}\"" : word;
}
