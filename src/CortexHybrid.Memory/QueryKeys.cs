using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;

namespace CortexHybrid.Memory;

/// <summary>
/// The normalized form of a query text (what is embedded) and the cache keys derived from it. Two
/// queries that normalize alike share an embedding and, with the same k, tags, minimum score and
/// memory generation, a response.
/// </summary>
internal static class QueryKeys
{
    /// <summary>Trimmed, every run of white space one space, and lowercased when <paramref name="foldCase"/>.</summary>
    public static string Normalize(string query, bool foldCase)
    {
        var text = new StringBuilder(query.Length);
        bool space = false;
        foreach (char c in query.AsSpan().Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space)
            {
                text.Append(' ');
                space = false;
            }

            text.Append(foldCase ? char.ToLowerInvariant(c) : c);
        }

        return text.ToString();
    }

    /// <summary>The key of a normalized query's embedding.</summary>
    public static string Embedding(string normalized) => "e:" + Hash(normalized, 0);

    /// <summary>
    /// The key of a recall's response. The generation (bumped by every remember and forget) is part
    /// of it: a response computed before a write is stored under a key no later read asks for, so a
    /// write can never be undone by a slow recall that overlapped it.
    /// </summary>
    public static string Response(string normalized, int k, IReadOnlyList<string> tags, float? minimumScore, long generation)
    {
        var text = new StringBuilder(normalized.Length + 64);
        text.Append(normalized).Append('\u001f').Append(k.ToString(CultureInfo.InvariantCulture)).Append('\u001f');
        foreach (string tag in tags.Order(StringComparer.Ordinal))
        {
            text.Append(tag).Append('\u001e');
        }

        text.Append('\u001f').Append(minimumScore is float m ? m.ToString("R", CultureInfo.InvariantCulture) : "-");
        return "r:" + generation.ToString(CultureInfo.InvariantCulture) + ":" + Hash(text.ToString(), 1);
    }

    private static string Hash(string text, long seed)
    {
        int length = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            int written = Encoding.UTF8.GetBytes(text, rented);
            UInt128 hash = XxHash128.HashToUInt128(rented.AsSpan(0, written), seed);
            return hash.ToString("x32", CultureInfo.InvariantCulture);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>A vector as the bytes the cache stores.</summary>
    public static byte[] ToBytes(ReadOnlySpan<float> vector) => MemoryMarshal.AsBytes(vector).ToArray();

    /// <summary>A vector back from the cache's bytes.</summary>
    public static float[] FromBytes(ReadOnlySpan<byte> bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();
}
