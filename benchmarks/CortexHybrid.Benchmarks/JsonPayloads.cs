using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// Cache values that look like what web applications cache: a product record as UTF-8 JSON, 1 to
/// about 4 KB, the same bytes for the same key on every run (a <see cref="Random"/> seeded by the
/// key). Repeated property names and words from a small vocabulary make it compress about as
/// real JSON does.
/// </summary>
public static class JsonPayloads
{
    /// <summary>The smallest target length; the record stops growing at the first review past its target.</summary>
    public const int MinTargetBytes = 1_024;

    /// <summary>The largest target length (one review more may follow, keeping values near 4 KB at most).</summary>
    public const int MaxTargetBytes = 3_800;

    private static readonly string[] _words =
    [
        "fast", "shipping", "quality", "great", "value", "excellent", "product", "works", "perfectly", "recommend",
        "battery", "lasts", "long", "screen", "bright", "sturdy", "build", "lightweight", "design", "comfortable",
        "price", "cheap", "expensive", "worth", "every", "cent", "arrived", "broken", "replaced", "quickly",
        "customer", "service", "helpful", "friendly", "easy", "setup", "instructions", "clear", "missing", "parts",
        "color", "matches", "picture", "size", "fits", "small", "large", "medium", "material", "soft",
        "durable", "plastic", "metal", "wood", "cotton", "leather", "waterproof", "wireless", "charging", "cable",
        "sound", "loud", "quiet", "noise", "cancelling", "bluetooth", "connection", "stable", "app", "update",
        "would", "buy", "again", "gift", "kids", "love", "daily", "use", "kitchen", "office",
    ];

    private static readonly string[] _categories = ["electronics", "home", "garden", "toys", "sports", "fashion", "books", "kitchen"];

    private static readonly string[] _attributeNames = ["color", "size", "material", "weight", "warranty", "origin", "brand", "model"];

    /// <summary>The value of <paramref name="key"/>: deterministic, 1 to about 4 KB of JSON.</summary>
    public static byte[] ForKey(int key)
    {
        var random = new Random(unchecked((key * 7_919) + 104_729));
        int target = random.Next(MinTargetBytes, MaxTargetBytes + 1);
        var buffer = new ArrayBufferWriter<byte>(target + 512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("id", key);
            json.WriteString("sku", string.Create(CultureInfo.InvariantCulture, $"SKU-{key:D8}"));
            json.WriteString("name", Sentence(random, 3, 6));
            json.WriteString("category", _categories[random.Next(_categories.Length)]);
            json.WriteNumber("price", Math.Round(random.NextDouble() * 500, 2));
            json.WriteString("currency", "EUR");
            json.WriteBoolean("inStock", random.Next(4) != 0);
            json.WriteString("description", Sentence(random, 20, 40));
            json.WriteStartArray("attributes");
            for (int i = 0; i < _attributeNames.Length; i++)
            {
                json.WriteStartObject();
                json.WriteString("name", _attributeNames[i]);
                json.WriteString("value", _words[random.Next(_words.Length)]);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("reviews");
            while (json.BytesCommitted + json.BytesPending < target)
            {
                json.WriteStartObject();
                json.WriteString("user", string.Create(CultureInfo.InvariantCulture, $"user-{random.Next(100_000):D6}"));
                json.WriteNumber("rating", random.Next(1, 6));
                json.WriteString("title", Sentence(random, 2, 5));
                json.WriteString("text", Sentence(random, 12, 30));
                json.WriteNumber("helpful", random.Next(200));
                json.WriteString("date", new DateOnly(2024, 1, 1).AddDays(random.Next(365)).ToString("O", CultureInfo.InvariantCulture));
                json.WriteBoolean("verified", random.Next(3) != 0);
                json.WriteEndObject();
                json.Flush();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static string Sentence(Random random, int minWords, int maxWords)
    {
        int count = random.Next(minWords, maxWords + 1);
        var words = new string[count];
        for (int i = 0; i < count; i++)
        {
            words[i] = _words[random.Next(_words.Length)];
        }

        return string.Join(' ', words);
    }
}
