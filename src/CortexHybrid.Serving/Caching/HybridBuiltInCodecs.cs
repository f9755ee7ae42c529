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

    /// <summary>
    /// The default options with fields included, for types that only fields describe (value tuples), as
    /// Microsoft's JSON serializer factory uses: with <see cref="JsonSerializerOptions.Default"/> such a
    /// value would be written as <c>{}</c> and read back empty.
    /// </summary>
    private static readonly JsonSerializerOptions _withFields = new() { IncludeFields = true };

    /// <summary>
    /// The JSON codec for <typeparamref name="T"/> under <paramref name="options"/>; null for
    /// <see cref="JsonSerializerOptions.Default"/> (or, for a type only fields describe, the same with
    /// <see cref="JsonSerializerOptions.IncludeFields"/>).
    /// </summary>
    /// <exception cref="NotSupportedException">System.Text.Json cannot serialize <typeparamref name="T"/>.</exception>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "As Microsoft's DefaultJsonSerializerFactory: a trimmed or native AOT app registers an IHybridCacheSerializer<T> or passes options with a source-generated TypeInfoResolver (TieredHybridCacheOptions.JsonSerializerOptions).")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "As above.")]
    public static Json<T> CreateJson<T>(JsonSerializerOptions? options)
    {
        options ??= JsonSerializerOptions.Default;
        if (ReferenceEquals(options, JsonSerializerOptions.Default) && IsFieldOnly(typeof(T), []))
        {
            options = _withFields;
        }
        if (!options.IsReadOnly)
        {
            // What JsonSerializer does on first use of such options: the reflection resolver when none is set.
            options.MakeReadOnly(populateMissingResolver: true);
        }

        return new((JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
    }

    /// <summary>
    /// Whether <paramref name="type"/>, or a type it holds (through its public properties or as a
    /// collection's items), has public fields and no public properties: the shape of a value tuple.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Reflection over the cached type only to pick JSON options; a trimmed app uses a source-generated resolver or its own serializer (see CreateJson).")]
    private static bool IsFieldOnly(Type type, HashSet<Type> seen)
    {
        if (type.IsPrimitive || type == typeof(string) || !seen.Add(type))
        {
            return false;
        }

        if (typeof(System.Collections.IEnumerable).IsAssignableFrom(type))
        {
            foreach (Type implemented in type.GetInterfaces())
            {
                if (implemented.IsGenericType && implemented.GetGenericTypeDefinition() == typeof(IEnumerable<>)
                    && IsFieldOnly(implemented.GetGenericArguments()[0], seen))
                {
                    return true;
                }
            }

            return false;
        }

        System.Reflection.PropertyInfo[] properties = type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance);
        if (properties.Length > 0)
        {
            foreach (System.Reflection.PropertyInfo property in properties)
            {
                if (IsFieldOnly(property.PropertyType, seen))
                {
                    return true;
                }
            }

            return false;
        }

        return type.GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance).Length > 0;
    }
}
