using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace CortexHybrid.IntegrationTests.Server;

/// <summary>SIGTERM (kill, docker stop, systemd) and SIGINT (Ctrl-C) stop both servers cleanly: exit 0, promptly, the store let go.</summary>
public class SignalTests
{
    /// <summary>Generous for a shared 2-core machine; a clean stop takes well under a second.</summary>
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Serve_stops_with_0_on_a_signal(string signal)
    {
        using var directory = new TemporaryDirectory();
        string store = Path.Combine(directory.Path, "store");
        await using CortexProcess server = await CortexProcess.StartServeAsync(store);
        McpHttp.Answer health = await McpHttp.GetAsync(new Uri(server.Endpoint!, "/health"));
        Assert.Equal(HttpStatusCode.OK, health.Status);
        McpHttp.Answer remembered = await McpHttp.PostAsync(server.Endpoint!, McpHttp.ToolCall("remember", new { text = "The recycling goes out on Thursday evenings." }));
        Assert.Equal(HttpStatusCode.OK, remembered.Status);

        await AssertStopsCleanlyAsync(server, signal, store);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Mcp_stops_with_0_on_a_signal(string signal)
    {
        using var directory = new TemporaryDirectory();
        string store = Path.Combine(directory.Path, "store");
        await using CortexProcess server = CortexProcess.Start(["mcp", "--store", store]);
        await server.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        using (JsonDocument initialized = JsonDocument.Parse(await server.ReadLineAsync(CortexProcess.StartTimeout)))
        {
            Assert.True(initialized.RootElement.TryGetProperty("result", out _), initialized.RootElement.ToString());
        }

        await AssertStopsCleanlyAsync(server, signal, store);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("mcp")]
    public async Task A_SIGTERM_while_the_model_loads_stops_with_0(string command)
    {
        using var directory = new TemporaryDirectory();
        string store = Path.Combine(directory.Path, "store");
        string[] arguments = command == "serve" ? ["serve", "--urls", "http://127.0.0.1:0", "--store", store] : ["mcp", "--store", store];
        await using CortexProcess server = CortexProcess.Start(arguments);
        await server.WaitForErrorLineAsync("Loading the embedding model", CortexProcess.StartTimeout);

        // The load itself is not interrupted (seconds, longer on a busy machine); what follows it is a clean stop.
        await AssertStopsCleanlyAsync(server, "TERM", store, TimeSpan.FromSeconds(45));
    }

    private static async Task AssertStopsCleanlyAsync(CortexProcess server, string signal, string store, TimeSpan? limit = null)
    {
        TimeSpan within = limit ?? Promptly;
        var clock = Stopwatch.StartNew();
        await server.SignalAsync(signal);
        int exitCode = await server.WaitForExitAsync(within);
        clock.Stop();
        Assert.True(exitCode == 0, $"exit code {exitCode} after SIG{signal}; stderr:\n{server.Error}");
        Assert.DoesNotContain("unexpected", server.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", server.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(store, "memory.owner")), $"memory.owner left behind after SIG{signal}: the store was not closed");
        Assert.True(clock.Elapsed < within, $"took {clock.Elapsed.TotalSeconds:0.0} s");
    }
}
