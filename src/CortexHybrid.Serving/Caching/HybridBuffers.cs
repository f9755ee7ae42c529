using System.Buffers;

namespace CortexHybrid.Caching;

/// <summary>
/// One reusable <see cref="ArrayBufferWriter{T}"/> per thread for serializers that write to an
/// <see cref="IBufferWriter{T}"/>, so that serializing allocates only the final array.
/// </summary>
internal static class HybridBuffers
{
    /// <summary>A writer larger than this is dropped after use rather than kept for the thread.</summary>
    private const int MaxKeptCapacity = 256 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _writer;

    /// <summary>This thread's writer, empty (or a new one when it is in use: a serializer that serializes again).</summary>
    public static ArrayBufferWriter<byte> Rent()
    {
        ArrayBufferWriter<byte>? writer = _writer;
        if (writer is null)
        {
            return new ArrayBufferWriter<byte>(1024);
        }

        _writer = null;
        return writer;
    }

    /// <summary>Gives a writer back; its bytes are cleared (a serialized value must not linger in a shared buffer).</summary>
    public static void Return(ArrayBufferWriter<byte> writer)
    {
        if (writer.Capacity > MaxKeptCapacity)
        {
            return;
        }

        writer.Clear();
        _writer = writer;
    }
}
