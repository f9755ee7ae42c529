using System.Collections.Concurrent;
using System.Text.Json;
using CortexHybrid.IntegrationTests.Cli;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CortexHybrid.IntegrationTests.Server;

/// <summary>
/// The official MCP C# client connected to a cortex server, with the calls the tests make: a tool
/// call that must succeed (its structured result), one that must be an error result (its one-line
/// message), and the status figures.
/// </summary>
public sealed class MemoryToolClient(McpClient client, string transport) : IAsyncDisposable
{
    /// <summary>The SDK client.</summary>
    public McpClient Client => client;

    /// <summary>"stdio" or "HTTP", for messages.</summary>
    public string Transport => transport;

    /// <summary>A client of <c>cortex mcp --store <paramref name="store"/></c> (then <paramref name="arguments"/>), started by the SDK's stdio transport.</summary>
    public static async Task<MemoryToolClient> StartStdioAsync(string store, Action<string>? standardError = null, params string[] arguments)
    {
        Assert.True(File.Exists(CortexCommand.Path), $"{CortexCommand.Path} is missing: the test project builds the CLI first");
        var errorLines = new ConcurrentQueue<string>();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "cortex mcp",
            Command = ChildProcess.DotnetHost,
            Arguments = [CortexCommand.Path, "mcp", "--store", store, .. arguments],
            EnvironmentVariables = new Dictionary<string, string?> { ["CORTEX_TOKEN"] = null, ["CORTEX_KERNEL"] = null, ["CORTEX_NATIVE_PATH"] = null },
            StandardErrorLines = line =>
            {
                errorLines.Enqueue(line);
                standardError?.Invoke(line);
            },
            ShutdownTimeout = TimeSpan.FromSeconds(15),
        });
        try
        {
            return new MemoryToolClient(await McpClient.CreateAsync(transport, Options()), "stdio");
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"cortex mcp --store {store} did not initialize ({exception.GetType().Name}: {exception.Message}); stderr:\n{string.Join('\n', errorLines)}");
        }
    }

    /// <summary>A client of the Streamable HTTP server at <paramref name="endpoint"/>, with <paramref name="headers"/> on every request.</summary>
    public static async Task<MemoryToolClient> ConnectHttpAsync(Uri endpoint, IDictionary<string, string>? headers = null)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Name = "cortex serve",
            Endpoint = endpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = headers,
        });
        return new MemoryToolClient(await McpClient.CreateAsync(transport, Options()), "HTTP");
    }

    /// <summary>Calls <paramref name="tool"/>, asserts it succeeded, and returns its structured result.</summary>
    public async Task<JsonElement> CallAsync(string tool, IReadOnlyDictionary<string, object?>? arguments = null)
    {
        CallToolResult result = await client.CallToolAsync(tool, arguments ?? new Dictionary<string, object?>());
        Assert.True(result.IsError != true, $"{tool} over {transport} failed: {Text(result)}");
        Assert.True(result.StructuredContent is not null, $"{tool} over {transport} returned no structured content: {Text(result)}");
        JsonElement structured = result.StructuredContent.Value;

        // The same JSON as text, for clients that read only text.
        using JsonDocument text = JsonDocument.Parse(Text(result));
        Assert.True(JsonElement.DeepEquals(structured, text.RootElement), $"{tool}: the text content differs from the structured content");
        return structured.Clone();
    }

    /// <summary>Calls <paramref name="tool"/>, asserts the result is an error result whose message is one line, and returns it.</summary>
    public async Task<string> CallErrorAsync(string tool, IReadOnlyDictionary<string, object?> arguments)
    {
        CallToolResult result = await client.CallToolAsync(tool, arguments);
        string message = Text(result);
        Assert.True(result.IsError == true, $"{tool}({JsonSerializer.Serialize(arguments)}) over {transport} was not an error result: {message}");
        AssertOneLine(message, $"{tool} error");
        return message;
    }

    /// <summary>The memory_status result.</summary>
    public Task<JsonElement> StatusAsync() => CallAsync("memory_status");

    /// <summary>The total of an error category in a memory_status result (0 when absent).</summary>
    public static long ErrorTotal(JsonElement status, string category) =>
        status.GetProperty("errors").EnumerateArray()
            .Where(e => e.GetProperty("category").GetString() == category)
            .Sum(e => e.GetProperty("total").GetInt64());

    /// <summary>Fails unless <paramref name="message"/> is one non-empty line.</summary>
    public static void AssertOneLine(string message, string what)
    {
        Assert.False(string.IsNullOrWhiteSpace(message), $"{what}: empty message");
        Assert.True(message.IndexOfAny(['\r', '\n']) < 0, $"{what} is not one line: {message}");
    }

    public ValueTask DisposeAsync() => client.DisposeAsync();

    private static McpClientOptions Options() => new()
    {
        ClientInfo = new Implementation { Name = "cortex-integration-tests", Version = "1.0.0" },
        InitializationTimeout = CortexProcess.StartTimeout,
    };

    private static string Text(CallToolResult result) =>
        string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));
}
