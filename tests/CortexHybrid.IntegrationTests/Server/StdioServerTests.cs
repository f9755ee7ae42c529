using System.Text.Json;

namespace CortexHybrid.IntegrationTests.Server;

/// <summary><c>cortex mcp</c> driven by the official C# client over stdio, and by raw lines on its standard input.</summary>
public class StdioServerTests(StdioServerFixture fixture) : IClassFixture<StdioServerFixture>
{
    private static readonly TimeSpan Reply = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_memory_scenario_runs_over_stdio()
    {
        await MemoryScenario.RunAsync(fixture.Memory);
        Assert.DoesNotContain("fail:", fixture.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_over_stdio_is_an_error_result_and_never_stops_the_server()
    {
        await BadInputScenario.RunAsync(fixture.Memory);
        Assert.DoesNotContain("fail:", fixture.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_lines_get_one_JSON_RPC_error_line_each_the_server_keeps_serving_and_stdin_EOF_ends_it_with_0()
    {
        using var directory = new TemporaryDirectory();
        await using CortexProcess server = CortexProcess.Start(["mcp", "--store", Path.Combine(directory.Path, "store")]);
        await server.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        JsonElement initialized = Parse(await server.ReadLineAsync(CortexProcess.StartTimeout));
        Assert.Equal("cortex-hybrid", initialized.GetProperty("result").GetProperty("serverInfo").GetProperty("name").GetString());
        await server.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");

        (string Line, int Code, string Id)[] malformed =
        [
            ("not json", -32700, "null"),
            ("[1]", -32600, "null"),
            ("""{"id":1}""", -32600, "1"),
            ("""{"jsonrpc":"2.0","id":"x"}""", -32600, "\"x\""),
            ("""{"jsonrpc":"2.0","method":"tools/call","params":{"name":"recall",""", -32700, "null"),
        ];
        foreach ((string line, int code, string id) in malformed)
        {
            await server.WriteLineAsync(line);
            string answer = await server.ReadLineAsync(Reply);
            JsonElement error = Parse(answer);
            Assert.Equal("2.0", error.GetProperty("jsonrpc").GetString());
            Assert.Equal(id, error.GetProperty("id").GetRawText());
            Assert.True(error.GetProperty("error").GetProperty("code").GetInt32() == code, $"'{line}' got {answer}");
            MemoryToolClient.AssertOneLine(error.GetProperty("error").GetProperty("message").GetString()!, $"the error for '{line}'");
        }

        // Then a valid call: its answer is the next line, so each malformed line got exactly one.
        await server.WriteLineAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"remember","arguments":{"text":"The spare key is under the blue flowerpot."}}}""");
        JsonElement remembered = Parse(await server.ReadLineAsync(Reply));
        Assert.Equal(7, remembered.GetProperty("id").GetInt32());
        Assert.True(remembered.GetProperty("result").GetProperty("structuredContent").GetProperty("added").GetBoolean(), remembered.ToString());
        await server.WriteLineAsync("""{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"recall","arguments":{"query":"where is the extra house key?","k":1}}}""");
        JsonElement recalled = Parse(await server.ReadLineAsync(Reply));
        Assert.Equal(8, recalled.GetProperty("id").GetInt32());
        Assert.Equal("The spare key is under the blue flowerpot.", recalled.GetProperty("result").GetProperty("structuredContent").GetProperty("hits")[0].GetProperty("text").GetString());

        // The malformed lines were counted.
        await server.WriteLineAsync("""{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"memory_status","arguments":{}}}""");
        JsonElement status = Parse(await server.ReadLineAsync(Reply)).GetProperty("result").GetProperty("structuredContent");
        long counted = MemoryToolClient.ErrorTotal(status, "protocol");
        Assert.True(counted >= malformed.Length, $"{malformed.Length} malformed lines, {counted} protocol errors counted: {status.GetProperty("errors")}");

        // End of input: the server stops by itself, with 0, and wrote nothing but JSON-RPC on stdout.
        server.CloseInput();
        int exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(15));
        Assert.True(exitCode == 0, $"exit code {exitCode} at stdin EOF; stderr:\n{server.Error}");
        Assert.All(server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Equal("2.0", Parse(line).GetProperty("jsonrpc").GetString()));
        Assert.DoesNotContain("fail:", server.Error, StringComparison.Ordinal);
    }

    private static JsonElement Parse(string line)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(line);
            return document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            throw new Xunit.Sdk.XunitException($"not a JSON line on stdout: {line} ({exception.Message})");
        }
    }
}
