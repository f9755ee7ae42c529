using System.Text.Json;

namespace CortexHybrid.Memory.Mcp;

/// <summary>
/// Checks a tool call's arguments against the tool's input schema before they are bound, so that a
/// missing argument, an unknown one or one of the wrong type is an error result naming the argument
/// and what it takes ("k must be an integer; got a string."), not a deserializer's message.
/// </summary>
internal static class ToolArguments
{
    /// <summary>Throws <see cref="ToolArgumentException"/> with one line for the first argument the schema does not allow.</summary>
    public static void Check(string tool, JsonElement schema, IDictionary<string, JsonElement>? arguments)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("properties", out JsonElement properties))
        {
            return;
        }

        if (schema.TryGetProperty("required", out JsonElement required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement name in required.EnumerateArray())
            {
                if (name.GetString() is string argument && (arguments is null || !arguments.ContainsKey(argument)))
                {
                    throw new ToolArgumentException($"{tool} needs the argument '{argument}'.");
                }
            }
        }

        if (arguments is null)
        {
            return;
        }

        foreach ((string name, JsonElement value) in arguments)
        {
            if (!properties.TryGetProperty(name, out JsonElement property))
            {
                string known = string.Join(", ", properties.EnumerateObject().Select(p => p.Name));
                throw new ToolArgumentException($"{tool} has no argument '{name}'; its arguments are {known}.");
            }

            string[] types = Types(property);
            if (types.Length > 0 && !types.Any(t => Matches(t, value)))
            {
                throw new ToolArgumentException($"{name} must be {Describe(types)}; got {Describe(value)}.");
            }

            if (value.ValueKind == JsonValueKind.Array && property.TryGetProperty("items", out JsonElement items))
            {
                string[] itemTypes = Types(items);
                int i = 0;
                foreach (JsonElement item in value.EnumerateArray())
                {
                    if (itemTypes.Length > 0 && !itemTypes.Any(t => Matches(t, item)))
                    {
                        throw new ToolArgumentException($"{name}[{i}] must be {Describe(itemTypes)}; got {Describe(item)}.");
                    }

                    i++;
                }
            }

            if (value.ValueKind == JsonValueKind.Object && property.TryGetProperty("additionalProperties", out JsonElement values) && values.ValueKind == JsonValueKind.Object)
            {
                string[] valueTypes = Types(values);
                foreach (JsonProperty entry in value.EnumerateObject())
                {
                    if (valueTypes.Length > 0 && !valueTypes.Any(t => Matches(t, entry.Value)))
                    {
                        throw new ToolArgumentException($"{name}['{entry.Name}'] must be {Describe(valueTypes)}; got {Describe(entry.Value)}.");
                    }
                }
            }
        }
    }

    private static string[] Types(JsonElement schema) =>
        !schema.TryGetProperty("type", out JsonElement type) ? []
        : type.ValueKind == JsonValueKind.String ? [type.GetString()!]
        : type.ValueKind == JsonValueKind.Array ? [.. type.EnumerateArray().Select(t => t.GetString()!).Where(t => t is not null)]
        : [];

    private static bool Matches(string type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static string Describe(string[] types)
    {
        string[] named = [.. types.Where(t => t != "null").Select(t => t switch
        {
            "integer" => "an integer",
            "array" => "an array",
            "object" => "an object",
            _ => "a " + t,
        })];
        string text = named.Length == 0 ? "null" : string.Join(" or ", named);
        return types.Contains("null") && named.Length > 0 ? text + " (or null)" : text;
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "an integer" : "a number with a fraction",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };
}
