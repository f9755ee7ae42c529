using System.Globalization;
using System.Net;
using System.Text.Json;

namespace CortexHybrid.IntegrationTests.Server;

/// <summary><c>cortex serve</c> (loopback, no token) driven by the official C# client over Streamable HTTP, and by plain requests.</summary>
public class HttpServerTests(HttpServerFixture fixture) : IClassFixture<HttpServerFixture>
{
    [Fact]
    public async Task The_memory_scenario_runs_over_HTTP() => await MemoryScenario.RunAsync(fixture.Memory);

    [Fact]
    public async Task Bad_input_over_HTTP_is_an_error_result_and_never_stops_the_server() => await BadInputScenario.RunAsync(fixture.Memory);

    [Theory]
    [InlineData("not json")]
    [InlineData("[1]")]
    [InlineData("""{"id":1}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"tools/call","params":{"name":"recall",""")]
    public async Task A_malformed_body_gets_400_with_a_JSON_RPC_error_and_is_counted_as_protocol(string body)
    {
        long before = MemoryToolClient.ErrorTotal(await fixture.Memory.StatusAsync(), "protocol");
        McpHttp.Answer answer = await McpHttp.PostAsync(fixture.Endpoint, body);
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        JsonElement message = answer.Message();
        Assert.Equal("2.0", message.GetProperty("jsonrpc").GetString());
        int code = message.GetProperty("error").GetProperty("code").GetInt32();
        Assert.True(code is -32700 or -32600, $"code {code}: {answer.Body}");
        MemoryToolClient.AssertOneLine(message.GetProperty("error").GetProperty("message").GetString()!, "the 400's error message");

        JsonElement status = await fixture.Memory.StatusAsync();
        Assert.True(status.GetProperty("memories").GetInt64() >= 0, "the server stopped answering");
        long after = MemoryToolClient.ErrorTotal(status, "protocol");
        Assert.True(after >= before + 1, $"protocol errors {before} before the malformed body, {after} after: {status.GetProperty("errors")}");
    }

    [Fact]
    public async Task A_foreign_origin_gets_403_and_the_allowed_and_own_origins_get_in()
    {
        string run = Guid.NewGuid().ToString("N")[..8];
        int port = fixture.Endpoint.Port;
        string[] refused = ["http://evil.example", $"http://127.0.0.1:{(port == 65535 ? port - 1 : port + 1)}", "http://localhost.evil.example:" + port, "null"];
        string[] allowed = [HttpServerFixture.AllowedOrigin, $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"];
        foreach (string origin in refused)
        {
            McpHttp.Answer answer = await McpHttp.PostAsync(fixture.Endpoint, McpHttp.ToolCall("remember", new { text = $"sent from {origin} {run}" }), new Dictionary<string, string> { ["Origin"] = origin });
            Assert.True(answer.Status == HttpStatusCode.Forbidden, $"Origin {origin}: {(int)answer.Status} {answer.Body}");
        }

        foreach (string origin in allowed)
        {
            McpHttp.Answer answer = await McpHttp.PostAsync(fixture.Endpoint, McpHttp.ToolCall("remember", new { text = $"sent from {origin} {run}" }), new Dictionary<string, string> { ["Origin"] = origin });
            Assert.True(answer.Status == HttpStatusCode.OK, $"Origin {origin}: {(int)answer.Status} {answer.Body}");
            Assert.True(answer.Message().GetProperty("result").GetProperty("structuredContent").GetProperty("added").GetBoolean(), answer.Body);
        }

        string[] stored = await StoredTextsAsync(fixture.Memory);
        Assert.All(refused, origin => Assert.DoesNotContain($"sent from {origin} {run}", stored));
        Assert.All(allowed, origin => Assert.Contains($"sent from {origin} {run}", stored));
    }

    [Fact]
    public async Task Health_answers_JSON()
    {
        // 503 is how an unhealthy server answers; either way the body is the JSON report.
        McpHttp.Answer health = await McpHttp.GetAsync(new Uri(fixture.Endpoint, "/health"));
        Assert.True(health.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{(int)health.Status} {health.Body}");
        Assert.Equal("application/json", health.ContentType);
        using JsonDocument document = JsonDocument.Parse(health.Body);
        Assert.Contains(document.RootElement.GetProperty("status").GetString(), (string[])["Healthy", "Degraded", "Unhealthy"]);
    }

    [Fact]
    public async Task Clients_bad_arguments_and_bodies_do_not_make_the_server_unhealthy()
    {
        // A client's mistake is an error result or a 400 for that client, not a fault of the server.
        for (int i = 0; i < 10; i++)
        {
            await fixture.Memory.CallErrorAsync("recall", new Dictionary<string, object?> { ["query"] = "", ["k"] = 0 });
            Assert.Equal(HttpStatusCode.BadRequest, (await McpHttp.PostAsync(fixture.Endpoint, "not json")).Status);
        }

        await fixture.Memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = "a question that is fine" });
        McpHttp.Answer health = await McpHttp.GetAsync(new Uri(fixture.Endpoint, "/health"));
        using JsonDocument document = JsonDocument.Parse(health.Body);
        double errorRate = document.RootElement.GetProperty("checks").GetProperty("memory").GetProperty("data").GetProperty("error_rate").GetDouble();
        Assert.True(health.Status == HttpStatusCode.OK && errorRate <= 0.01,
            $"after clients' bad calls /health answers {(int)health.Status}, counting them in its error rate ({errorRate:P0}): {health.Body}");
    }

    /// <summary>The texts of the (at most 100) newest memories.</summary>
    public static async Task<string[]> StoredTextsAsync(MemoryToolClient memory) =>
        [.. (await memory.CallAsync("list_memories", new Dictionary<string, object?> { ["limit"] = 100 }))
            .GetProperty("memories").EnumerateArray().Select(m => m.GetProperty("text").GetString()!)];
}
