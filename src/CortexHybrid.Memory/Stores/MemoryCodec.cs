using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CortexHybrid.Memory.Stores;

/// <summary>
/// How the stores of record write a memory's columns: the text's SHA-256 (of its UTF-8), the
/// vector as little-endian float32, the metadata as a JSON object of strings.
/// </summary>
/// <remarks>
/// Shared by <see cref="SqliteMemoryStore"/> and <see cref="PostgresMemoryStore"/>, so a memory is
/// encoded the same way in either (a vector's bytes are the same in a BLOB and a bytea).
/// </remarks>
internal static class MemoryCodec
{
    /// <summary>The length of a text hash.</summary>
    public const int HashBytes = SHA256.HashSizeInBytes;

    /// <summary>The JSON of no metadata.</summary>
    public const string EmptyMetadata = "{}";

    private static readonly IReadOnlyDictionary<string, string> s_noMetadata = new Dictionary<string, string>();

    /// <summary>Writes the SHA-256 of <paramref name="text"/>'s UTF-8 into <paramref name="destination"/>.</summary>
    public static void HashText(string text, Span<byte> destination)
    {
        int length = Encoding.UTF8.GetByteCount(text);
        byte[]? rented = null;
        Span<byte> utf8 = length <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            int written = Encoding.UTF8.GetBytes(text, utf8);
            SHA256.HashData(utf8[..written], destination);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The SHA-256 of <paramref name="text"/>'s UTF-8.</summary>
    public static byte[] HashText(string text)
    {
        byte[] hash = new byte[HashBytes];
        HashText(text, hash);
        return hash;
    }

    /// <summary>Writes <paramref name="vector"/> as little-endian float32 into <paramref name="destination"/> (4 bytes per value).</summary>
    public static void WriteVector(ReadOnlySpan<float> vector, Span<byte> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(vector).CopyTo(destination);
            return;
        }

        for (int i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination[(i * sizeof(float))..], vector[i]);
        }
    }

    /// <summary>Reads little-endian float32 values from <paramref name="source"/> into <paramref name="vector"/>.</summary>
    public static void ReadVector(ReadOnlySpan<byte> source, Span<float> vector)
    {
        if (BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(vector));
            return;
        }

        for (int i = 0; i < vector.Length; i++)
        {
            vector[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * sizeof(float))..]);
        }
    }

    /// <summary>
    /// The JSON object of <paramref name="metadata"/>, its entries in their enumeration order,
    /// written by <paramref name="writer"/> into <paramref name="buffer"/> (both reused by the caller).
    /// </summary>
    public static string WriteMetadata(IReadOnlyDictionary<string, string> metadata, Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer)
    {
        if (metadata.Count == 0)
        {
            return EmptyMetadata;
        }

        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        writer.WriteStartObject();
        foreach ((string key, string value) in metadata)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
        writer.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The metadata in <paramref name="json"/>, in its order.</summary>
    /// <exception cref="InvalidDataException">The JSON is not an object of strings.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string json, long id)
    {
        if (json == EmptyMetadata)
        {
            return s_noMetadata;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                metadata[property.Name] = property.Value.GetString() ?? throw new InvalidDataException($"The metadata of memory {id} holds a null.");
            }

            return metadata;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"The metadata of memory {id} is not a JSON object of strings: {e.Message}", e);
        }
    }
}
