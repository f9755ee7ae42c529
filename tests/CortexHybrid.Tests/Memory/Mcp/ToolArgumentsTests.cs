using System.Text.Json;
using CortexHybrid.Memory.Mcp;

namespace CortexHybrid.Tests.Memory.Mcp;

/// <summary>Tool arguments against a tool's input schema: one line naming the argument and what it takes.</summary>
public sealed class ToolArgumentsTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "query": { "type": "string" },
            "k": { "type": "integer" },
            "minScore": { "type": ["number", "null"] },
            "tags": { "type": ["array", "null"], "items": { "type": "string" } },
            "metadata": { "type": ["object", "null"], "additionalProperties": { "type": "string" } }
          },
          "required": ["query"]
        }
        """).RootElement;

    private static Dictionary<string, JsonElement> Arguments(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    [Theory]
    [InlineData("""{"query":"q"}""")]
    [InlineData("""{"query":"q","k":5,"minScore":0.5,"tags":["a","b"],"metadata":{"x":"y"}}""")]
    [InlineData("""{"query":"q","minScore":null,"tags":null,"metadata":null}""")]
    [InlineData("""{"query":"q","minScore":1}""")]
    public void Arguments_the_schema_allows_pass(string json) => ToolArguments.Check("recall", Schema, Arguments(json));

    [Theory]
    [InlineData("""{}""", "recall needs the argument 'query'.")]
    [InlineData("""{"query":"q","k":"abc"}""", "k must be an integer; got a string.")]
    [InlineData("""{"query":"q","k":2.5}""", "k must be an integer; got a number with a fraction.")]
    [InlineData("""{"query":3}""", "query must be a string; got an integer.")]
    [InlineData("""{"query":"q","minScore":"high"}""", "minScore must be a number (or null); got a string.")]
    [InlineData("""{"query":"q","tags":"a"}""", "tags must be an array (or null); got a string.")]
    [InlineData("""{"query":"q","tags":["a",1]}""", "tags[1] must be a string; got an integer.")]
    [InlineData("""{"query":"q","metadata":{"x":1}}""", "metadata['x'] must be a string; got an integer.")]
    [InlineData("""{"query":"q","kk":1}""", "recall has no argument 'kk'; its arguments are query, k, minScore, tags, metadata.")]
    public void Arguments_the_schema_refuses_are_named_in_one_line(string json, string message)
    {
        ToolArgumentException refused = Assert.Throws<ToolArgumentException>(() => ToolArguments.Check("recall", Schema, Arguments(json)));
        Assert.Equal(message, refused.Message);
    }

    [Fact]
    public void No_arguments_at_all_fail_only_when_one_is_required()
    {
        Assert.Equal("recall needs the argument 'query'.", Assert.Throws<ToolArgumentException>(() => ToolArguments.Check("recall", Schema, null)).Message);
        ToolArguments.Check("memory_status", JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement, null);
    }
}
