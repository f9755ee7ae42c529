namespace CortexHybrid.Caching;

/// <summary>
/// How <see cref="TieredHybridCache"/> turns one type into cached bytes and back: one instance per
/// type per adapter, resolved once (see <see cref="TieredHybridCache"/> for the order).
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="immutable">Whether <typeparamref name="T"/> is immutable by <see cref="HybridImmutableTypes{T}"/>: then one decoded value is shared by every hit on an entry.</param>
internal abstract class HybridCodec<T>(bool immutable)
{
    /// <summary>Whether one decoded value may be shared between callers (Microsoft's rule; see <see cref="HybridImmutableTypes{T}"/>).</summary>
    public bool Immutable { get; } = immutable;

    /// <summary>A new value read from <paramref name="data"/>; never keeps or changes <paramref name="data"/>.</summary>
    public abstract T Deserialize(byte[] data);

    /// <summary>The bytes of <paramref name="value"/> in an array the caller owns (the cache stores it as it is).</summary>
    public abstract byte[] Serialize(T value);

    /// <summary>
    /// The value of a level 1 entry: for a mutable type a fresh deserialization on every call; for
    /// an immutable one the value decoded on the first hit and kept on the entry (a race decodes
    /// twice and keeps one: harmless, both are equal and immutable).
    /// </summary>
    public T Decode(CacheEntry entry)
    {
        byte[] data = entry.Data!;
        if (!Immutable)
        {
            return Deserialize(data);
        }

        if (entry.Decoded is Decoded decoded && ReferenceEquals(decoded.Codec, this))
        {
            return decoded.Value;
        }

        T value = Deserialize(data);
        entry.Decoded = new Decoded(this, value);
        return value;
    }

    /// <summary>
    /// <see cref="Decode"/>, false when the serializer fails (bytes another type or an older shape of
    /// this one wrote): the caller treats the entry as a miss, as Microsoft's <c>HybridCache</c> does.
    /// </summary>
    public bool TryDecode(CacheEntry entry, out T value)
    {
        try
        {
            value = Decode(entry);
            return true;
        }
        catch (Exception)
        {
            value = default!;
            return false;
        }
    }

    /// <summary><see cref="Deserialize"/>, false when the serializer fails (see <see cref="TryDecode"/>).</summary>
    public bool TryDeserialize(byte[] data, out T value)
    {
        try
        {
            value = Deserialize(data);
            return true;
        }
        catch (Exception)
        {
            value = default!;
            return false;
        }
    }

    /// <summary>A decoded value and the codec that decoded it (another adapter, or another type, over the same cache decodes its own).</summary>
    private sealed class Decoded(HybridCodec<T> codec, T value)
    {
        public readonly HybridCodec<T> Codec = codec;
        public readonly T Value = value;
    }
}
