using System.Text;
using System.Text.Json;
using ModelContextProtocol;

namespace CortexHybrid.IntegrationTests.Server;

/// <summary>
/// Bad tool calls, the same over every transport: each is an error result with a one-line message
/// saying what is wrong (an unknown tool: a JSON-RPC error), none stops the server, and each is
/// counted in memory_status's errors.
/// </summary>
public static class BadInputScenario
{
    /// <summary>The text limit: 32 KiB of UTF-8.</summary>
    public const int MaxTextBytes = 32 * 1024;

    public static async Task RunAsync(MemoryToolClient memory)
    {
        JsonElement before = await memory.StatusAsync();
        long memoriesBefore = before.GetProperty("memories").GetInt64();
        string run = Guid.NewGuid().ToString("N")[..8];

        (string Tool, Dictionary<string, object?> Arguments, string Expected)[] invalid =
        [
            ("remember", new() { ["text"] = "" }, "empty"),
            ("remember", new() { ["text"] = " \t\r\n  " }, "empty"),
            ("remember", new() { ["text"] = Text(MaxTextBytes + 1, run, 'a') }, "32,769"),
            ("remember", new() { ["text"] = Text(MaxTextBytes + 1, run, 'é') }, "32,769"),
            ("recall", new() { ["query"] = "" }, "query"),
            ("recall", new() { ["query"] = "coffee", ["k"] = 0 }, "k is 0"),
            ("recall", new() { ["query"] = "coffee", ["k"] = 101 }, "k is 101"),
            ("recall", new() { ["query"] = "coffee", ["k"] = "5" }, "k must be an integer"),
            ("recall", new() { ["query"] = "coffee", ["minScore"] = 2 }, "minScore is 2"),
            ("recall", new() { ["query"] = "coffee", ["colour"] = "blue" }, "'colour'"),
            ("remember", new() { ["text"] = "an argument too many", ["importance"] = 3 }, "'importance'"),
            ("remember", new() { ["tags"] = new[] { "orphan" } }, "'text'"),
            ("forget", new(), "'id'"),
            ("forget", new() { ["id"] = "seven" }, "id must be an integer"),
            ("list_memories", new() { ["limit"] = 0 }, "limit"),
        ];
        // Every call is made before any message is judged, so that one wrong message hides nothing else.
        var unclear = new List<string>();
        foreach ((string tool, Dictionary<string, object?> arguments, string expected) in invalid)
        {
            string message = await memory.CallErrorAsync(tool, arguments);
            if (!message.Contains(expected, StringComparison.Ordinal))
            {
                unclear.Add($"{tool}({string.Join(", ", arguments.Keys)}): '{message}' does not say '{expected}'");
            }
        }

        // An unknown id: an error result, counted as not found.
        string unknown = await memory.CallErrorAsync("forget", new Dictionary<string, object?> { ["id"] = 987_654_321L });
        Assert.Contains("No memory has id 987654321.", unknown, StringComparison.Ordinal);

        // An unknown tool: a JSON-RPC error, one line.
        McpException noTool = await Assert.ThrowsAnyAsync<McpException>(() => memory.Client.CallToolAsync("remember_everything", new Dictionary<string, object?> { ["text"] = "x" }).AsTask());
        MemoryToolClient.AssertOneLine(noTool.Message, "unknown tool error");
        Assert.Contains("remember_everything", noTool.Message, StringComparison.Ordinal);

        // Exactly 32 KiB is accepted, whether the bytes are one or two to a character.
        foreach (char filler in (char[])['a', 'é'])
        {
            string text = Text(MaxTextBytes, run, filler);
            Assert.Equal(MaxTextBytes, Encoding.UTF8.GetByteCount(text));
            JsonElement accepted = await memory.CallAsync("remember", new Dictionary<string, object?> { ["text"] = text });
            Assert.True(accepted.GetProperty("added").GetBoolean());
        }

        // Nothing refused was stored, and the server still answers.
        JsonElement status = await memory.StatusAsync();
        Assert.Equal(memoriesBefore + 2, status.GetProperty("memories").GetInt64());
        JsonElement[] hits = MemoryScenario.Hits(await memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = $"marker {run}", ["k"] = 3 }));
        Assert.NotEmpty(hits);

        // Each refused call counted as a validation error, the unknown id as not found.
        long validation = MemoryToolClient.ErrorTotal(status, "validation") - MemoryToolClient.ErrorTotal(before, "validation");
        Assert.True(validation >= invalid.Length + 1, $"validation errors over {memory.Transport} rose by {validation} after {invalid.Length + 1} invalid calls; errors: {status.GetProperty("errors")}");
        Assert.True(MemoryToolClient.ErrorTotal(status, "not_found") > MemoryToolClient.ErrorTotal(before, "not_found"), "the unknown id was not counted as not_found");

        // Each message names what the client sent (the argument as the tool's schema calls it).
        Assert.True(unclear.Count == 0, $"over {memory.Transport}:\n{string.Join('\n', unclear)}");
    }

    /// <summary>A text of exactly <paramref name="bytes"/> bytes of UTF-8: a marker sentence, then <paramref name="filler"/> (1 or 2 bytes), then 'a's to make up the rest.</summary>
    private static string Text(int bytes, string run, char filler)
    {
        string marker = $"marker {run}: a long note padded to the limit ";
        int fillerBytes = Encoding.UTF8.GetByteCount([filler]);
        int rest = bytes - Encoding.UTF8.GetByteCount(marker);
        return marker + new string(filler, rest / fillerBytes) + new string('a', rest % fillerBytes);
    }
}
