using System.IO.Pipelines;
using System.Text;
using System.Text.Json;

namespace CortexHybrid.Cli.Server;

/// <summary>
/// Standard input and output for the stdio transport, with the JSON-RPC errors the SDK does not
/// send: a line that is not JSON gets a parse error (-32700), one that is JSON but not a JSON-RPC
/// message an invalid-request error (-32600), each counted, and the server keeps serving. Valid
/// lines pass through untouched. Output is written a whole line at a time, so an error this guard
/// writes can never land inside a message the server is writing.
/// </summary>
internal sealed class JsonRpcLineGuard : IAsyncDisposable
{
    private readonly Stream _input;
    private readonly Pipe _passed = new();
    private readonly Action<string> _refused;
    private readonly Task _pump;

    public JsonRpcLineGuard(Stream input, Stream output, Action<string> refused)
    {
        _input = input;
        _refused = refused;
        Output = new LineAtomicStream(output);
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>What the server reads: the valid lines of standard input.</summary>
    public Stream Input => _passed.Reader.AsStream();

    /// <summary>What the server writes: standard output, a line at a time.</summary>
    public LineAtomicStream Output { get; }

    public async ValueTask DisposeAsync()
    {
        await _passed.Reader.CompleteAsync().ConfigureAwait(false);
        await Output.DisposeAsync().ConfigureAwait(false);
    }

    private async Task PumpAsync()
    {
        using var reader = new StreamReader(_input, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024);
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is string line)
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                if (Problem(line) is (int code, string message, string id))
                {
                    _refused("protocol");
                    await Output.WriteLineAsync($"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"error\":{{\"code\":{code},\"message\":{JsonSerializer.Serialize(message)}}}}}").ConfigureAwait(false);
                    continue;
                }

                await _passed.Writer.WriteAsync(Encoding.UTF8.GetBytes(line + "\n")).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Standard input or the pipe went away: the server is stopping.
        }
        finally
        {
            await _passed.Writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Null for a JSON-RPC message; else the error code, message and the id to answer with (JSON).</summary>
    private static (int Code, string Message, string Id)? Problem(string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException exception)
        {
            string reason = exception.Message;
            int end = reason.IndexOf(". ", StringComparison.Ordinal);
            return (-32700, "Parse error: the line is not JSON (" + (end < 0 ? reason : reason[..end]) + ").", "null");
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                return (-32600, "Invalid Request: JSON-RPC batches are not supported; send one message per line.", "null");
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                return (-32600, "Invalid Request: a JSON-RPC message is a JSON object.", "null");
            }

            string id = root.TryGetProperty("id", out JsonElement idValue) && idValue.ValueKind is JsonValueKind.String or JsonValueKind.Number
                ? idValue.GetRawText()
                : "null";
            if (!root.TryGetProperty("jsonrpc", out JsonElement version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
            {
                return (-32600, "Invalid Request: \"jsonrpc\" must be \"2.0\".", id);
            }

            bool request = root.TryGetProperty("method", out JsonElement method) && method.ValueKind == JsonValueKind.String;
            bool response = id != "null" && (root.TryGetProperty("result", out _) || root.TryGetProperty("error", out _));
            return request || response ? null : (-32600, "Invalid Request: a message needs a \"method\" (a request or notification) or an \"id\" with a \"result\" or \"error\".", id);
        }
    }
}
