using System.Globalization;
using System.Text.Json;
using ModelContextProtocol.Client;

namespace CortexHybrid.IntegrationTests.Server;

/// <summary>
/// One user's session with the memory, the same over every transport: initialize, list the tools,
/// remember real sentences (some tagged, some with metadata), recall paraphrases, filter by tags
/// and score, bound k, remember a text twice, list, forget, and read the status. Counts are taken
/// relative to the status before it starts, and every memory carries a tag of this run, so other
/// tests may share the server.
/// </summary>
public static class MemoryScenario
{
    private static readonly string[] ToolNames = ["forget", "forget_tagged", "list_memories", "memory_status", "recall", "remember"];

    public static async Task RunAsync(MemoryToolClient memory)
    {
        McpClient client = memory.Client;
        string via = memory.Transport;

        // Initialize (done by CreateAsync): the server says who it is.
        Assert.NotNull(client.ServerInfo);
        Assert.Equal("cortex-hybrid", client.ServerInfo.Name);
        Assert.False(string.IsNullOrWhiteSpace(client.ServerInfo.Version));
        Assert.NotNull(client.ServerCapabilities.Tools);

        await CheckToolsAsync(client);

        JsonElement before = await memory.StatusAsync();
        long memoriesBefore = before.GetProperty("memories").GetInt64();
        long totalBefore = (await memory.CallAsync("list_memories", new Dictionary<string, object?> { ["limit"] = 1 })).GetProperty("total").GetInt64();
        Assert.Equal(memoriesBefore, totalBefore);

        string run = "run-" + Guid.NewGuid().ToString("N")[..8];
        (string Text, string[] Tags, Dictionary<string, string>? Metadata)[] notes =
        [
            ("The team decided to migrate the billing service from MySQL to PostgreSQL in March.", ["work", "decision"], new() { ["source"] = "standup", ["owner"] = "Dana" }),
            ("My sister's birthday is on the fourteenth of July and she loves orchids.", ["personal"], null),
            ("The Wi-Fi password for the Lisbon apartment is written on the back of the router.", ["travel", "personal"], new() { ["city"] = "Lisbon" }),
            ("Alice prefers to do code reviews in the morning, before her first meeting.", ["work", "people"], null),
            ("The flight to Tokyo leaves at 9:40 on Friday from terminal 2.", ["travel"], new() { ["airline"] = "ANA" }),
            ("Photosynthesis turns sunlight, water and carbon dioxide into glucose and oxygen.", [], null),
        ];
        var ids = new long[notes.Length];
        DateTimeOffset started = DateTimeOffset.UtcNow.AddMinutes(-1);
        for (int i = 0; i < notes.Length; i++)
        {
            var arguments = new Dictionary<string, object?> { ["text"] = notes[i].Text, ["tags"] = (string[])[.. notes[i].Tags, run] };
            if (notes[i].Metadata is { } metadata)
            {
                arguments["metadata"] = metadata;
            }

            JsonElement remembered = await memory.CallAsync("remember", arguments);
            ids[i] = remembered.GetProperty("id").GetInt64();
            Assert.True(remembered.GetProperty("added").GetBoolean(), $"note {i} over {via} was not added");
        }

        Assert.Equal(notes.Length, ids.Distinct().Count());

        // A paraphrase, sharing few words with the memory, recalls it first, with a cosine score in (0, 1].
        (string Query, int Note)[] paraphrases =
        [
            ("Which database are we moving the payments system onto?", 0),
            ("When does my plane to Japan depart?", 4),
            ("How do plants make sugar from light?", 5),
            ("What flowers does my sibling like, and when is she celebrating?", 1),
        ];
        foreach ((string query, int note) in paraphrases)
        {
            JsonElement[] hits = Hits(await memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = query, ["tags"] = new[] { run } }));
            Assert.NotEmpty(hits);
            Assert.True(hits[0].GetProperty("id").GetInt64() == ids[note], $"'{query}' over {via} recalled '{hits[0].GetProperty("text").GetString()}' first, not '{notes[note].Text}'");
            float score = hits[0].GetProperty("score").GetSingle();
            Assert.True(score > 0 && score <= 1, $"score {score} of the first hit is not in (0, 1]");
            float[] scores = [.. hits.Select(h => h.GetProperty("score").GetSingle())];
            Assert.True(scores.SequenceEqual(scores.OrderDescending()), $"hits not best first: {string.Join(", ", scores)}");
            Assert.True(hits.Length <= 5, "k defaults to 5");
        }

        // A hit carries what was stored: text, tags in order, metadata, time.
        JsonElement lisbon = Hits(await memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = "router password in the Portugal flat", ["k"] = 1, ["tags"] = new[] { run } })).Single();
        Assert.Equal(ids[2], lisbon.GetProperty("id").GetInt64());
        Assert.Equal(notes[2].Text, lisbon.GetProperty("text").GetString());
        Assert.Equal(["travel", "personal", run], lisbon.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("Lisbon", lisbon.GetProperty("metadata").GetProperty("city").GetString());
        DateTimeOffset storedAt = DateTimeOffset.Parse(lisbon.GetProperty("storedAt").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(storedAt, started, DateTimeOffset.UtcNow.AddMinutes(1));

        // Tags: only memories carrying every tag given.
        JsonElement[] travel = Hits(await memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = "trip plans", ["k"] = 10, ["tags"] = new[] { "travel", run } }));
        Assert.Equal(new[] { ids[2], ids[4] }.Order(), travel.Select(h => h.GetProperty("id").GetInt64()).Order());
        JsonElement[] both = Hits(await memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = "trip plans", ["k"] = 10, ["tags"] = new[] { "travel", "personal", run } }));
        Assert.Equal(ids[2], Assert.Single(both).GetProperty("id").GetInt64());
        Assert.Empty(Hits(await memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = "trip plans", ["tags"] = new[] { "travel", "work", run } })));

        // minScore: a threshold between the first and second scores keeps only the first.
        const string billing = "billing database migration to Postgres";
        JsonElement[] all = Hits(await memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = billing, ["k"] = 10, ["tags"] = new[] { run } }));
        Assert.Equal(notes.Length, all.Length);
        Assert.Equal(ids[0], all[0].GetProperty("id").GetInt64());
        float first = all[0].GetProperty("score").GetSingle();
        float second = all[1].GetProperty("score").GetSingle();
        Assert.True(first > second, $"scores {first} and {second} do not separate");
        float threshold = (first + second) / 2;
        JsonElement[] above = Hits(await memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = billing, ["k"] = 10, ["tags"] = new[] { run }, ["minScore"] = threshold }));
        Assert.Equal(ids[0], Assert.Single(above).GetProperty("id").GetInt64());
        Assert.All(Hits(await memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = billing, ["k"] = 10, ["minScore"] = 0.2 })),
            h => Assert.True(h.GetProperty("score").GetSingle() >= 0.2f, "a hit below minScore"));

        // k: exactly k when there are enough; both bounds accepted.
        Assert.Single(Hits(await memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = billing, ["k"] = 1, ["tags"] = new[] { run } })));
        Assert.Equal(3, Hits(await memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = billing, ["k"] = 3, ["tags"] = new[] { run } })).Length);
        Assert.Equal(notes.Length, Hits(await memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = billing, ["k"] = 100, ["tags"] = new[] { run } })).Length);
        Assert.Equal(Math.Min(100, memoriesBefore + notes.Length), Hits(await memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = billing, ["k"] = 100 })).Length);

        // The same text again (also with surrounding white space): the id it has, not added.
        foreach (string again in (string[])[notes[3].Text, "  " + notes[3].Text + "\n"])
        {
            JsonElement repeated = await memory.CallAsync("remember", new Dictionary<string, object?> { ["text"] = again });
            Assert.Equal(ids[3], repeated.GetProperty("id").GetInt64());
            Assert.False(repeated.GetProperty("added").GetBoolean(), $"the same text over {via} was added again");
        }

        // list_memories: newest first, with the total.
        JsonElement listed = await memory.CallAsync("list_memories", new Dictionary<string, object?> { ["tag"] = run });
        Assert.Equal(notes.Length, listed.GetProperty("total").GetInt64());
        Assert.Equal(ids.Reverse(), listed.GetProperty("memories").EnumerateArray().Select(m => m.GetProperty("id").GetInt64()));
        Assert.Equal(notes.Select(n => n.Text).Reverse(), listed.GetProperty("memories").EnumerateArray().Select(m => m.GetProperty("text").GetString()));
        JsonElement recent = await memory.CallAsync("list_memories", new Dictionary<string, object?> { ["limit"] = 2 });
        Assert.Equal(memoriesBefore + notes.Length, recent.GetProperty("total").GetInt64());
        Assert.Equal([ids[5], ids[4]], recent.GetProperty("memories").EnumerateArray().Select(m => m.GetProperty("id").GetInt64()));
        Assert.Equal(2, (await memory.CallAsync("list_memories", new Dictionary<string, object?> { ["tag"] = "travel", ["limit"] = 100 }))
            .GetProperty("memories").EnumerateArray().Count(m => m.GetProperty("tags").EnumerateArray().Any(t => t.GetString() == run)));

        // forget: gone from recall and the list; a second forget is an error result.
        JsonElement forgotten = await memory.CallAsync("forget", new Dictionary<string, object?> { ["id"] = ids[1] });
        Assert.Equal(ids[1], forgotten.GetProperty("id").GetInt64());
        Assert.True(forgotten.GetProperty("forgotten").GetBoolean());
        JsonElement[] afterForget = Hits(await memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = paraphrases[3].Query, ["k"] = 10, ["tags"] = new[] { run } }));
        Assert.DoesNotContain(ids[1], afterForget.Select(h => h.GetProperty("id").GetInt64()));
        Assert.Equal(notes.Length - 1, afterForget.Length);
        Assert.Equal(notes.Length - 1, (await memory.CallAsync("list_memories", new Dictionary<string, object?> { ["tag"] = run })).GetProperty("total").GetInt64());
        string twice = await memory.CallErrorAsync("forget", new Dictionary<string, object?> { ["id"] = ids[1] });
        Assert.Contains($"No memory has id {ids[1]}.", twice, StringComparison.Ordinal);

        // memory_status: the count, the model, the tools' calls, the five targets.
        JsonElement status = await memory.StatusAsync();
        Assert.Equal(memoriesBefore + notes.Length - 1, status.GetProperty("memories").GetInt64());
        Assert.Equal("sentence-transformers/all-MiniLM-L6-v2", status.GetProperty("model").GetProperty("id").GetString());
        Assert.Equal(384, status.GetProperty("model").GetProperty("dimensions").GetInt32());
        Dictionary<string, long> calls = status.GetProperty("tools").EnumerateArray()
            .ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("calls").GetInt64());
        long Calls(string name) => calls.GetValueOrDefault(name);
        Assert.True(Calls("remember") >= notes.Length + 2, $"remember calls {Calls("remember")}; tools: {string.Join(", ", calls)}");
        Assert.True(Calls("recall.cached") + Calls("recall.uncached") >= 15, $"recall calls; tools: {string.Join(", ", calls)}");
        Assert.True(Calls("forget") >= 2, $"forget calls; tools: {string.Join(", ", calls)}");
        Assert.True(Calls("list_memories") >= 4, $"list_memories calls; tools: {string.Join(", ", calls)}");
        Assert.True(Calls("memory_status") >= 1, $"memory_status calls; tools: {string.Join(", ", calls)}");
        foreach (JsonElement tool in status.GetProperty("tools").EnumerateArray().Where(t => t.GetProperty("callsInWindow").GetInt64() > 0))
        {
            double p50 = tool.GetProperty("p50Milliseconds").GetDouble();
            double p95 = tool.GetProperty("p95Milliseconds").GetDouble();
            double max = tool.GetProperty("maxMilliseconds").GetDouble();
            Assert.True(p50 >= 0 && p50 <= p95 && p95 <= max, $"{tool.GetProperty("name")}: p50 {p50}, p95 {p95}, max {max}");
        }

        Assert.Equal(
            ["cached recall p95", "uncached recall p95", "memory_status p95", "peak requests per second", "peak working set"],
            status.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.All(status.GetProperty("targets").EnumerateArray(), t => Assert.False(string.IsNullOrWhiteSpace(t.GetProperty("target").GetString())));
        Assert.True(status.GetProperty("targets")[1].TryGetProperty("measured", out JsonElement uncached) && uncached.GetDouble() > 0, "the uncached recall target has no measured value after recalls");
        Assert.Equal(1, MemoryToolClient.ErrorTotal(status, "not_found") - MemoryToolClient.ErrorTotal(before, "not_found"));
        double health = status.GetProperty("healthScore").GetDouble();
        Assert.InRange(health, 0, 1);
    }

    /// <summary>The hits of a recall result.</summary>
    public static JsonElement[] Hits(JsonElement recall) => [.. recall.GetProperty("hits").EnumerateArray()];

    private static async Task CheckToolsAsync(McpClient client)
    {
        IList<McpClientTool> tools = await client.ListToolsAsync();
        Assert.Equal(ToolNames, tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        var expected = new Dictionary<string, (string[] Properties, string[] Required)>
        {
            ["remember"] = (["text", "tags", "metadata"], ["text"]),
            ["recall"] = (["query", "k", "tags", "minScore"], ["query"]),
            ["forget"] = (["id"], ["id"]),
            ["forget_tagged"] = (["tag"], ["tag"]),
            ["list_memories"] = (["limit", "tag"], []),
            ["memory_status"] = ([], []),
        };
        foreach (McpClientTool tool in tools)
        {
            Assert.False(string.IsNullOrWhiteSpace(tool.Description), $"{tool.Name} has no description");
            JsonElement schema = tool.ProtocolTool.InputSchema;
            Assert.Equal("object", schema.GetProperty("type").GetString());
            Assert.True(schema.TryGetProperty("properties", out JsonElement properties) && properties.ValueKind == JsonValueKind.Object, $"{tool.Name}'s input schema has no properties object");
            (string[] names, string[] required) = expected[tool.Name];
            Assert.Equal(names.Order(StringComparer.Ordinal), properties.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            foreach (JsonProperty property in properties.EnumerateObject())
            {
                Assert.True(property.Value.TryGetProperty("description", out JsonElement description) && description.GetString() is { Length: > 0 }, $"{tool.Name}.{property.Name} has no description");
            }

            string[] requiredNames = schema.TryGetProperty("required", out JsonElement r) ? [.. r.EnumerateArray().Select(e => e.GetString()!)] : [];
            Assert.Equal(required.Order(StringComparer.Ordinal), requiredNames.Order(StringComparer.Ordinal));
        }

        string[] integerArguments = ["recall.k", "forget.id", "list_memories.limit"];
        foreach (string argument in integerArguments)
        {
            string[] parts = argument.Split('.');
            JsonElement type = tools.Single(t => t.Name == parts[0]).ProtocolTool.InputSchema.GetProperty("properties").GetProperty(parts[1]).GetProperty("type");
            Assert.True(type.ValueKind == JsonValueKind.String ? type.GetString() == "integer" : type.EnumerateArray().Any(t => t.GetString() == "integer"), $"{argument} is not an integer in the schema");
        }
    }
}
