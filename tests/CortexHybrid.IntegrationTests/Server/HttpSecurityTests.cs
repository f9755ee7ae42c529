using System.Globalization;
using System.Net;
using System.Text.Json;
using CortexHybrid.IntegrationTests.Cli;

namespace CortexHybrid.IntegrationTests.Server;

/// <summary>
/// <c>cortex serve</c>'s door: the bearer token, browser origins and the body limit. A refused
/// request stores nothing (checked through a client with the token afterwards); the token appears
/// in no output; a server reachable from other machines does not start without one.
/// </summary>
public class HttpSecurityTests(SecuredHttpServerFixture fixture) : IClassFixture<SecuredHttpServerFixture>
{
    [Fact]
    public async Task Without_the_right_token_a_request_gets_401_and_stores_nothing()
    {
        string run = Guid.NewGuid().ToString("N")[..8];
        string wrong = fixture.Token[..^1] + (fixture.Token[^1] == '0' ? '1' : '0');
        (string Name, Dictionary<string, string> Headers)[] refused =
        [
            ("no Authorization", []),
            ("a wrong token", new() { ["Authorization"] = "Bearer " + wrong }),
            ("a longer token", new() { ["Authorization"] = "Bearer " + fixture.Token + "x" }),
            ("the token as Basic", new() { ["Authorization"] = "Basic " + fixture.Token }),
            ("the token without a scheme", new() { ["Authorization"] = fixture.Token }),
            ("an empty bearer", new() { ["Authorization"] = "Bearer " }),
        ];
        foreach ((string name, Dictionary<string, string> headers) in refused)
        {
            McpHttp.Answer answer = await McpHttp.PostAsync(fixture.Endpoint, McpHttp.ToolCall("remember", new { text = $"stored with {name} {run}" }), headers);
            Assert.True(answer.Status == HttpStatusCode.Unauthorized, $"{name}: {(int)answer.Status} {answer.Body}");
            Assert.Contains("Bearer", answer.Headers.WwwAuthenticate.Select(h => h.Scheme));
        }

        // The right token: the SDK client works, and plain requests too.
        McpHttp.Answer right = await McpHttp.PostAsync(fixture.Endpoint, McpHttp.ToolCall("remember", new { text = $"stored with the right token {run}" }), Bearer());
        Assert.True(right.Status == HttpStatusCode.OK, $"the right token: {(int)right.Status} {right.Body}");
        Assert.True(right.Message().GetProperty("result").GetProperty("structuredContent").GetProperty("added").GetBoolean());
        JsonElement[] hits = MemoryScenario.Hits(await fixture.Memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = $"stored with the right token {run}", ["k"] = 1 }));
        Assert.Equal($"stored with the right token {run}", Assert.Single(hits).GetProperty("text").GetString());

        string[] stored = await HttpServerTests.StoredTextsAsync(fixture.Memory);
        Assert.All(refused, r => Assert.DoesNotContain($"stored with {r.Name} {run}", stored));
    }

    [Fact]
    public async Task A_foreign_origin_gets_403_even_with_the_token_and_the_servers_own_origin_gets_in()
    {
        string run = Guid.NewGuid().ToString("N")[..8];
        var evil = new Dictionary<string, string>(Bearer()) { ["Origin"] = "http://evil.example" };
        McpHttp.Answer refused = await McpHttp.PostAsync(fixture.Endpoint, McpHttp.ToolCall("remember", new { text = $"from evil {run}" }), evil);
        Assert.True(refused.Status == HttpStatusCode.Forbidden, $"{(int)refused.Status} {refused.Body}");

        var own = new Dictionary<string, string>(Bearer()) { ["Origin"] = $"http://127.0.0.1:{fixture.Endpoint.Port.ToString(CultureInfo.InvariantCulture)}" };
        McpHttp.Answer accepted = await McpHttp.PostAsync(fixture.Endpoint, McpHttp.ToolCall("remember", new { text = $"from own origin {run}" }), own);
        Assert.True(accepted.Status == HttpStatusCode.OK, $"{(int)accepted.Status} {accepted.Body}");

        // No token and a foreign origin: refused either way, and nothing stored.
        McpHttp.Answer neither = await McpHttp.PostAsync(fixture.Endpoint, McpHttp.ToolCall("remember", new { text = $"from evil without token {run}" }), new Dictionary<string, string> { ["Origin"] = "http://evil.example" });
        Assert.True(neither.Status is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized, $"{(int)neither.Status} {neither.Body}");

        string[] stored = await HttpServerTests.StoredTextsAsync(fixture.Memory);
        Assert.DoesNotContain($"from evil {run}", stored);
        Assert.DoesNotContain($"from evil without token {run}", stored);
        Assert.Contains($"from own origin {run}", stored);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_over_the_limit_gets_413_and_stores_nothing(bool chunked)
    {
        string run = Guid.NewGuid().ToString("N")[..8];
        string big = $"an oversized note {run} " + new string('x', SecuredHttpServerFixture.MaxRequestBytes);
        McpHttp.Answer refused = await McpHttp.PostAsync(fixture.Endpoint, McpHttp.ToolCall("remember", new { text = big }), Bearer(), chunked);
        Assert.True(refused.Status == HttpStatusCode.RequestEntityTooLarge, $"{(int)refused.Status} {refused.Body}");

        // Under the limit: accepted.
        string small = $"a note under the limit {run} " + new string('y', SecuredHttpServerFixture.MaxRequestBytes / 2);
        McpHttp.Answer accepted = await McpHttp.PostAsync(fixture.Endpoint, McpHttp.ToolCall("remember", new { text = small }), Bearer(), chunked);
        Assert.True(accepted.Status == HttpStatusCode.OK, $"{(int)accepted.Status} {accepted.Body}");

        string[] stored = await HttpServerTests.StoredTextsAsync(fixture.Memory);
        Assert.DoesNotContain(big, stored);
        Assert.Contains(small, stored);
    }

    [Fact]
    public async Task Health_answers_its_status_without_the_token_and_its_checks_only_with_it()
    {
        // 503 is how an unhealthy server answers; either way the body is JSON. A load balancer's
        // probe needs no secret, but what the checks hold (rates, latencies) is for the token holder.
        McpHttp.Answer anonymous = await McpHttp.GetAsync(new Uri(fixture.Endpoint, "/health"));
        Assert.True(anonymous.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{(int)anonymous.Status} {anonymous.Body}");
        Assert.Equal("application/json", anonymous.ContentType);
        using (JsonDocument document = JsonDocument.Parse(anonymous.Body))
        {
            Assert.True(document.RootElement.TryGetProperty("status", out _), anonymous.Body);
            Assert.False(document.RootElement.TryGetProperty("checks", out _), anonymous.Body);
        }

        McpHttp.Answer wrong = await McpHttp.GetAsync(new Uri(fixture.Endpoint, "/health"), new Dictionary<string, string> { ["Authorization"] = "Bearer not-the-token-at-all" });
        using (JsonDocument document = JsonDocument.Parse(wrong.Body))
        {
            Assert.False(document.RootElement.TryGetProperty("checks", out _), wrong.Body);
        }

        McpHttp.Answer health = await McpHttp.GetAsync(new Uri(fixture.Endpoint, "/health"), Bearer());
        Assert.True(health.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{(int)health.Status} {health.Body}");
        using (JsonDocument document = JsonDocument.Parse(health.Body))
        {
            Assert.True(document.RootElement.GetProperty("checks").TryGetProperty("memory", out _), health.Body);
        }
    }

    [Fact]
    public async Task Requests_refused_at_the_door_do_not_make_the_server_unhealthy()
    {
        // Anyone who can reach the port can send these; if they counted against the server's own
        // health, a stranger could take it out of a load balancer's rotation without a token.
        for (int i = 0; i < 20; i++)
        {
            McpHttp.Answer refused = await McpHttp.PostAsync(fixture.Endpoint, McpHttp.ToolCall("memory_status", new { }));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        }

        McpHttp.Answer foreign = await McpHttp.PostAsync(fixture.Endpoint, McpHttp.ToolCall("memory_status", new { }), new Dictionary<string, string>(Bearer()) { ["Origin"] = "http://evil.example" });
        Assert.Equal(HttpStatusCode.Forbidden, foreign.Status);
        await fixture.Memory.StatusAsync();

        McpHttp.Answer health = await McpHttp.GetAsync(new Uri(fixture.Endpoint, "/health"), Bearer());
        using JsonDocument document = JsonDocument.Parse(health.Body);
        double errorRate = document.RootElement.GetProperty("checks").GetProperty("memory").GetProperty("data").GetProperty("error_rate").GetDouble();
        Assert.True(health.Status == HttpStatusCode.OK && errorRate <= 0.01,
            $"after refused requests /health answers {(int)health.Status}, counting them in its error rate ({errorRate:P0}): {health.Body}");
    }

    [Fact]
    public async Task The_token_appears_in_no_output_even_at_Trace()
    {
        string wrong = "wrong-" + Guid.NewGuid().ToString("N");
        await fixture.Memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = "anything at all" });
        await McpHttp.PostAsync(fixture.Endpoint, McpHttp.ToolCall("memory_status", new { }), new Dictionary<string, string> { ["Authorization"] = "Bearer " + wrong });
        await McpHttp.PostAsync(fixture.Endpoint, McpHttp.ToolCall("memory_status", new { }), Bearer());

        // Let the console logger's queue drain: wait until standard error has been quiet for a moment.
        int lines = -1;
        for (int i = 0; i < 40 && fixture.Server.ErrorLines.Count != lines; i++)
        {
            lines = fixture.Server.ErrorLines.Count;
            await Task.Delay(250);
        }

        string output = fixture.Server.Output + "\n" + fixture.Server.Error;
        Assert.True(fixture.Server.Error.Contains("dbug:", StringComparison.Ordinal) || fixture.Server.Error.Contains("trce:", StringComparison.Ordinal), "no Debug or Trace lines: the log level did not take");
        Assert.DoesNotContain(fixture.Token, output, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Token[4..20], output, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:0", null, null)]
    [InlineData("http://0.0.0.0:0", "short-secret-15", null)]
    [InlineData("http://127.0.0.1:0", null, "short-secret-15")]
    [InlineData("http://127.0.0.1:0;http://0.0.0.0:0", null, null)]
    public void An_exposed_address_without_a_long_enough_token_does_not_start(string urls, string? tokenOption, string? tokenVariable)
    {
        using var directory = new TemporaryDirectory();
        string store = Path.Combine(directory.Path, "store");
        string[] arguments = ["serve", "--urls", urls, "--store", store, "--log-level", "Trace", .. tokenOption is null ? [] : new[] { "--token", tokenOption }];
        (int exitCode, string output, string error) = ChildProcess.Run(
            ChildProcess.DotnetHost,
            [CortexCommand.Path, .. arguments],
            new Dictionary<string, string?> { ["CORTEX_TOKEN"] = tokenVariable },
            timeout: TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 2, $"exit code {exitCode}; stderr: {error}");
        Assert.Equal("", output);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("cortex: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("short-secret-15", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(store), "a server that does not start created its store");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("short-secret-15")]
    public void A_cluster_instance_on_an_exposed_address_without_a_long_enough_token_does_not_start(string? tokenOption)
    {
        // An instance of the cluster is refused before it reaches PostgreSQL or Redis (nothing
        // listens on these ports), and neither server's password appears in what it prints.
        const string PostgresPassword = "pg-password-not-to-be-printed";
        const string RedisPassword = "redis-password-not-to-be-printed";
        string[] arguments =
        [
            "serve", "--urls", "http://0.0.0.0:0", "--log-level", "Trace",
            "--postgres", $"Host=127.0.0.1;Port=9;Database=cortex;Username=cortex;Password={PostgresPassword}",
            "--redis", $"127.0.0.1:9,password={RedisPassword}",
            .. tokenOption is null ? [] : new[] { "--token", tokenOption },
        ];
        (int exitCode, string output, string error) = ChildProcess.Run(
            ChildProcess.DotnetHost,
            [CortexCommand.Path, .. arguments],
            new Dictionary<string, string?> { ["CORTEX_TOKEN"] = null },
            timeout: TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 2, $"exit code {exitCode}; stderr: {error}");
        Assert.Equal("", output);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("token", line, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(PostgresPassword, error, StringComparison.Ordinal);
        Assert.DoesNotContain(RedisPassword, error, StringComparison.Ordinal);
        Assert.DoesNotContain("short-secret-15", error, StringComparison.Ordinal);
    }

    private Dictionary<string, string> Bearer() => new() { ["Authorization"] = "Bearer " + fixture.Token };
}
