using System.Buffers;
using Microsoft.Extensions.Caching.Hybrid;

namespace CortexHybrid.Caching;

/// <summary>A codec over an app's <see cref="IHybridCacheSerializer{T}"/> (registered, or from a registered factory).</summary>
/// <typeparam name="T">The value type.</typeparam>
internal sealed class HybridSerializerCodec<T>(IHybridCacheSerializer<T> serializer, bool immutable) : HybridCodec<T>(immutable)
{
    /// <summary>The serializer itself (for tests and diagnostics).</summary>
    public IHybridCacheSerializer<T> Serializer { get; } = serializer;

    public override T Deserialize(byte[] data) => Serializer.Deserialize(new ReadOnlySequence<byte>(data));

    public override byte[] Serialize(T value)
    {
        ArrayBufferWriter<byte> writer = HybridBuffers.Rent();
        try
        {
            Serializer.Serialize(value, writer);
            return writer.WrittenSpan.ToArray();
        }
        finally
        {
            HybridBuffers.Return(writer);
        }
    }
}
