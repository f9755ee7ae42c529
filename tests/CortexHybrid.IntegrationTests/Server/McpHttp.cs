using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CortexHybrid.IntegrationTests.Server;

/// <summary>Plain HTTP requests to a <c>cortex serve</c> endpoint, for what the SDK client cannot send: no token, a wrong one, a browser's Origin, an oversized or malformed body.</summary>
public static class McpHttp
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>The answer to one request: status, headers, body.</summary>
    public sealed record Answer(HttpStatusCode Status, HttpResponseHeaders Headers, string? ContentType, string Body)
    {
        /// <summary>The JSON-RPC message of the body: the body itself, or the data of its first server-sent event.</summary>
        public JsonElement Message()
        {
            string json = Body.TrimStart().StartsWith('{') ? Body
                : Body.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith("data:", StringComparison.Ordinal))?[5..]
                    ?? throw new InvalidOperationException($"no JSON-RPC message in: {Body}");
            using JsonDocument document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
    }

    /// <summary>A tools/call request for <paramref name="tool"/> with <paramref name="arguments"/>.</summary>
    public static string ToolCall(string tool, object arguments, int id = 1) =>
        JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method = "tools/call", @params = new { name = tool, arguments } });

    /// <summary>POSTs <paramref name="body"/> to <paramref name="endpoint"/> as an MCP client would (JSON, accepting JSON or an event stream), with <paramref name="headers"/>.</summary>
    public static async Task<Answer> PostAsync(Uri endpoint, string body, IReadOnlyDictionary<string, string>? headers = null, bool chunked = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint);
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        request.Content = chunked ? new StreamContent(new MemoryStream(bytes)) : new ByteArrayContent(bytes);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        foreach ((string name, string value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await SendAsync(request);
    }

    /// <summary>GETs <paramref name="uri"/>, with <paramref name="headers"/>.</summary>
    public static async Task<Answer> GetAsync(Uri uri, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        foreach ((string name, string value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await SendAsync(request);
    }

    private static async Task<Answer> SendAsync(HttpRequestMessage request)
    {
        using HttpResponseMessage response = await Http.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        return new Answer(response.StatusCode, response.Headers, response.Content.Headers.ContentType?.MediaType, body);
    }
}
