using System.Runtime.InteropServices;

namespace CortexHybrid.Search;

/// <summary>
/// Reading arrays whose length a file's header claims: the array grows as the data arrives, so a
/// corrupt or hostile length costs at most twice the bytes actually present, never an allocation
/// the header alone asked for.
/// </summary>
internal static class StreamReading
{
    /// <summary>Elements read per step before the array grows: 1 MiB.</summary>
    private const int StepBytes = 1 << 20;

    /// <summary>Reads <paramref name="count"/> elements, or throws <see cref="InvalidDataException"/> if the stream ends first.</summary>
    /// <param name="source">The stream.</param>
    /// <param name="count">Elements claimed.</param>
    /// <param name="error">Builds the exception for a stream that ends early, from the bytes expected and read.</param>
    /// <param name="observe">Sees every byte read, in order (a checksum).</param>
    public static T[] ReadArray<T>(Stream source, long count, Func<long, long, Exception> error, Action<ReadOnlySpan<byte>>? observe = null)
        where T : unmanaged
    {
        int size = Marshal.SizeOf<T>();
        if (count > Array.MaxLength)
        {
            throw error(count * size, 0);
        }

        int step = Math.Max(1, StepBytes / size);
        var values = new T[Math.Min(count, step)];
        long read = 0;
        while (read < count)
        {
            if (read == values.Length)
            {
                Array.Resize(ref values, (int)Math.Min(count, (long)values.Length * 2));
            }

            int want = (int)Math.Min(step, values.Length - read);
            Span<byte> bytes = MemoryMarshal.AsBytes(values.AsSpan((int)read, want));
            int got = source.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            if (got < bytes.Length)
            {
                throw error(count * size, (read * size) + got);
            }

            observe?.Invoke(bytes);
            read += want;
        }

        return values;
    }
}
