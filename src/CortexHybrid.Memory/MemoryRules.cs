using System.Text;

namespace CortexHybrid.Memory;

/// <summary>
/// The checks every input to a <see cref="SemanticMemory"/> passes before anything is embedded or
/// stored. Each failure is an <see cref="InvalidMemoryInputException"/> whose message is one line saying what
/// is wrong and what is allowed (the MCP tools pass it on as it is).
/// </summary>
internal sealed class MemoryRules(SemanticMemoryOptions options)
{
    /// <summary>A text to remember or a query: trimmed, non-empty, within <see cref="SemanticMemoryOptions.MaxTextBytes"/>.</summary>
    public string Text(string? text, string parameter)
    {
        if (text is null)
        {
            throw new InvalidMemoryInputException($"{parameter} is required.", parameter);
        }

        string trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw new InvalidMemoryInputException($"{parameter} is empty or only white space.", parameter);
        }

        int bytes = Encoding.UTF8.GetByteCount(trimmed);
        if (bytes > options.MaxTextBytes)
        {
            throw new InvalidMemoryInputException($"{parameter} is {bytes:N0} bytes of UTF-8; the limit is {options.MaxTextBytes:N0}.", parameter);
        }

        if (trimmed.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidMemoryInputException($"{parameter} holds a NUL character.", parameter);
        }

        return trimmed;
    }

    /// <summary>Tags: each trimmed, non-empty, without control characters, within the length limit; duplicates dropped, order kept.</summary>
    public IReadOnlyList<string> Tags(IReadOnlyList<string>? tags, string parameter)
    {
        if (tags is null || tags.Count == 0)
        {
            return [];
        }

        if (tags.Count > options.MaxTags)
        {
            throw new InvalidMemoryInputException($"{parameter} has {tags.Count} tags; the limit is {options.MaxTags}.", parameter);
        }

        var result = new List<string>(tags.Count);
        for (int i = 0; i < tags.Count; i++)
        {
            string tag = tags[i]?.Trim() ?? "";
            if (tag.Length == 0)
            {
                throw new InvalidMemoryInputException($"{parameter}[{i}] is empty: a tag is 1 to {options.MaxTagLength} characters.", parameter);
            }

            if (tag.Length > options.MaxTagLength)
            {
                throw new InvalidMemoryInputException($"{parameter}[{i}] is {tag.Length} characters; a tag is at most {options.MaxTagLength}.", parameter);
            }

            if (tag.Any(char.IsControl))
            {
                throw new InvalidMemoryInputException($"{parameter}[{i}] holds a control character.", parameter);
            }

            if (!result.Contains(tag, StringComparer.Ordinal))
            {
                result.Add(tag);
            }
        }

        return result;
    }

    /// <summary>Metadata: within the entry, key and value limits; keys non-empty, without control characters.</summary>
    public IReadOnlyDictionary<string, string> Metadata(IReadOnlyDictionary<string, string>? metadata, string parameter)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        if (metadata.Count > options.MaxMetadataEntries)
        {
            throw new InvalidMemoryInputException($"{parameter} has {metadata.Count} entries; the limit is {options.MaxMetadataEntries}.", parameter);
        }

        var result = new Dictionary<string, string>(metadata.Count, StringComparer.Ordinal);
        foreach ((string key, string value) in metadata)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length > options.MaxMetadataKeyLength || key.Any(char.IsControl))
            {
                throw new InvalidMemoryInputException($"{parameter} key '{Shorten(key)}' is not 1 to {options.MaxMetadataKeyLength} printable characters.", parameter);
            }

            if (value is null)
            {
                throw new InvalidMemoryInputException($"{parameter}['{key}'] is null; metadata values are strings.", parameter);
            }

            if (value.Length > options.MaxMetadataValueLength)
            {
                throw new InvalidMemoryInputException($"{parameter}['{key}'] is {value.Length:N0} characters; the limit is {options.MaxMetadataValueLength:N0}.", parameter);
            }

            result[key] = value;
        }

        return result;
    }

    /// <summary>How many memories a recall returns: 1 to <see cref="SemanticMemoryOptions.MaxRecall"/>.</summary>
    public int Count(int k, int maximum, string parameter)
    {
        if (k < 1 || k > maximum)
        {
            throw new InvalidMemoryInputException($"{parameter} is {k}; it must be from 1 to {maximum}.", parameter);
        }

        return k;
    }

    /// <summary>A minimum score: a finite number from -1 to 1, or null.</summary>
    public float? MinimumScore(float? minimum, string parameter)
    {
        if (minimum is float value && !(value >= -1f && value <= 1f))
        {
            throw new InvalidMemoryInputException($"{parameter} is {value}; a cosine similarity is from -1 to 1.", parameter);
        }

        return minimum;
    }

    private static string Shorten(string? text) =>
        text is null ? "" : text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "...");
}
