using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace CortexHybrid.Caching;

/// <summary>
/// Compression for the levels below level 1 and the byte layout of a level 3 value. Brotli at
/// quality 1 (its fastest) through the span APIs of <see cref="BrotliEncoder"/>, which allocate
/// nothing beyond the result.
/// </summary>
internal static class PayloadCodec
{
    /// <summary>Below this a value is stored as is: Brotli's framing eats what it would save.</summary>
    private const int MinCompressibleLength = 64;

    private const int Quality = 1;
    private const int WindowBits = 22;

    private const byte Magic = 0xC7;
    private const byte Version = 1;
    private const byte CompressedFlag = 1;

    /// <summary>
    /// The stored form of <paramref name="value"/>: compressed when that saves at least an eighth
    /// of it, else the value itself (not copied).
    /// </summary>
    public static byte[] Store(byte[] value, bool compress, out bool compressed)
    {
        compressed = false;
        if (!compress || value.Length < MinCompressibleLength)
        {
            return value;
        }

        int worthwhile = value.Length - (value.Length / 8);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(worthwhile);
        try
        {
            // A destination smaller than the input makes TryCompress fail as soon as it cannot pay.
            if (!BrotliEncoder.TryCompress(value, buffer.AsSpan(0, worthwhile), out int written, Quality, WindowBits))
            {
                return value;
            }

            compressed = true;
            return buffer.AsSpan(0, written).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The original value of a stored form: a new array when compressed, else <paramref name="stored"/> itself.</summary>
    public static byte[] Restore(byte[] stored, bool compressed, int originalLength)
    {
        if (!compressed)
        {
            return stored;
        }

        byte[] value = new byte[originalLength];
        if (!BrotliDecoder.TryDecompress(stored, value, out int written) || written != originalLength)
        {
            throw new InvalidDataException($"A cached value did not decompress to its recorded {originalLength} bytes.");
        }

        return value;
    }

    /// <summary>
    /// A level 3 value: magic, version, flags, expiry (UTC ticks), original length, tags, then the
    /// stored bytes. The expiry travels with the value so every reader enforces it, whatever the
    /// distributed cache's own clock says.
    /// </summary>
    public static byte[] Wrap(CacheEntry entry)
    {
        byte[] data = entry.Data!;
        string[] tags = entry.Tags ?? [];
        int length = 3 + 8 + 4 + 2;
        foreach (string tag in tags)
        {
            length += 2 + Encoding.UTF8.GetByteCount(tag);
        }

        byte[] envelope = new byte[length + data.Length];
        Span<byte> span = envelope;
        span[0] = Magic;
        span[1] = Version;
        span[2] = entry.Compressed ? CompressedFlag : (byte)0;
        BinaryPrimitives.WriteInt64LittleEndian(span[3..], entry.ExpiresAtUtcTicks);
        BinaryPrimitives.WriteInt32LittleEndian(span[11..], entry.OriginalLength);
        BinaryPrimitives.WriteUInt16LittleEndian(span[15..], (ushort)tags.Length);
        int offset = 17;
        foreach (string tag in tags)
        {
            int written = Encoding.UTF8.GetBytes(tag, span[(offset + 2)..]);
            BinaryPrimitives.WriteUInt16LittleEndian(span[offset..], (ushort)written);
            offset += 2 + written;
        }

        data.CopyTo(span[offset..]);
        return envelope;
    }

    /// <summary>Reads a level 3 value back into an entry; false when the bytes are not one (another writer's key).</summary>
    public static bool TryUnwrap(string key, byte[] envelope, out CacheEntry entry)
    {
        entry = null!;
        ReadOnlySpan<byte> span = envelope;
        if (span.Length < 17 || span[0] != Magic || span[1] != Version)
        {
            return false;
        }

        bool compressed = (span[2] & CompressedFlag) != 0;
        long expires = BinaryPrimitives.ReadInt64LittleEndian(span[3..]);
        int originalLength = BinaryPrimitives.ReadInt32LittleEndian(span[11..]);
        int tagCount = BinaryPrimitives.ReadUInt16LittleEndian(span[15..]);
        int offset = 17;
        string[]? tags = tagCount == 0 ? null : new string[tagCount];
        for (int i = 0; i < tagCount; i++)
        {
            if (offset + 2 > span.Length)
            {
                return false;
            }

            int length = BinaryPrimitives.ReadUInt16LittleEndian(span[offset..]);
            if (offset + 2 + length > span.Length)
            {
                return false;
            }

            tags![i] = Encoding.UTF8.GetString(span.Slice(offset + 2, length));
            offset += 2 + length;
        }

        byte[] data = span[offset..].ToArray();
        if (originalLength < 0 || (!compressed && data.Length != originalLength))
        {
            return false;
        }

        entry = new CacheEntry(key, data, originalLength, compressed, expires, tags);
        return true;
    }
}
