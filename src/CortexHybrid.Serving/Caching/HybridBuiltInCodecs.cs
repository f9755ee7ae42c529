using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace CortexHybrid.Caching;

/// <summary>
/// The serializers <see cref="TieredHybridCache"/> uses when the app registers none for a type,
/// writing the same bytes as Microsoft's built-ins: <see cref="string"/> as UTF-8,
/// <see cref="byte"/>[] as it is, anything else as System.Text.Json UTF-8 JSON.
/// </summary>
internal static class HybridBuiltInCodecs
{
    /// <summary>UTF-8 text. Strings are immutable, so a level 1 entry decodes once.</summary>
    public sealed class Utf8String() : HybridCodec<string>(HybridImmutableTypes<string>.IsImmutable)
    {
        public override string Deserialize(byte[] data) => Encoding.UTF8.GetString(data);

        public override byte[] Serialize(string value)
        {
            ArgumentNullException.ThrowIfNull(value); // as Microsoft's: a null string is not cached
            return Encoding.UTF8.GetBytes(value);
        }
    }

    /// <summary>The bytes themselves. Arrays are mutable: every hit gets its own copy, and a stored value is copied first.</summary>
    public sealed class Bytes() : HybridCodec<byte[]>(HybridImmutableTypes<byte[]>.IsImmutable)
    {
        public override byte[] Deserialize(byte[] data) => data.AsSpan().ToArray();

        public override byte[] Serialize(byte[] value)
        {
            ArgumentNullException.ThrowIfNull(value); // as Microsoft's: a null array is not cached
            return value.AsSpan().ToArray();
        }
    }

    /// <summary>System.Text.Json with one contract resolved up front (no per-call lookup in the options).</summary>
    /// <typeparam name="T">The value type.</typeparam>
    public sealed class Json<T>(JsonTypeInfo<T> typeInfo) : HybridCodec<T>(HybridImmutableTypes<T>.IsImmutable)
    {
        public override T Deserialize(byte[] data) => JsonSerializer.Deserialize(data, typeInfo)!;

        public override byte[] Serialize(T value) => JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
    }

    /// <summary>The JSON codec for <typeparamref name="T"/> under <paramref name="options"/> (null for <see cref="JsonSerializerOptions.Default"/>).</summary>
    /// <exception cref="NotSupportedException">System.Text.Json cannot serialize <typeparamref name="T"/>.</exception>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "As Microsoft's DefaultJsonSerializerFactory: a trimmed or native AOT app registers an IHybridCacheSerializer<T> or passes options with a source-generated TypeInfoResolver (TieredHybridCacheOptions.JsonSerializerOptions).")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "As above.")]
    public static Json<T> CreateJson<T>(JsonSerializerOptions? options)
    {
        options ??= JsonSerializerOptions.Default;
        if (!options.IsReadOnly)
        {
            // What JsonSerializer does on first use of such options: the reflection resolver when none is set.
            options.MakeReadOnly(populateMissingResolver: true);
        }

        return new((JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
    }
}
