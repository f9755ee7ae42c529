using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using CortexHybrid.Simd;

namespace CortexHybrid.Search;

/// <summary>
/// Saving and loading. The format, version 1, all integers and floats little-endian:
/// <code>
/// offset  size  field
///  0       4    magic "CXVI" (0x43 0x58 0x56 0x49)
///  4       2    version, 1
///  6       1    metric: 0 cosine, 1 dot product, 2 squared Euclidean
///  7       1    reserved, 0
///  8       4    dimension (int32, at least 1)
/// 12       4    reserved, 0 (dimension at most <see cref="MaxDimension"/>)
/// 16       8    count (int64, 0 to 2^31 - 1)
/// 24       8    XxHash64 (seed 0) of the payload
/// 32       8    XxHash64 (seed 0) of bytes 0..31
/// 40            payload: count ids (int64), then count norms (float32), then count x dimension floats
/// </code>
/// Rows are stored as the index holds them (normalized for cosine, with their norms), so a loaded
/// index searches bit for bit as the saved one.
/// </summary>
public sealed partial class VectorIndex
{
    /// <summary>The first four bytes of a saved index: "CXVI".</summary>
    internal static ReadOnlySpan<byte> Magic => "CXVI"u8;

    internal const ushort FormatVersion = 1;

    internal const int HeaderBytes = 40;

    /// <summary>Rows written or read per chunk, so a large index needs no second copy in memory.</summary>
    private const int ChunkBytes = 1 << 20;

    /// <summary>Writes the index to <paramref name="destination"/> in the format above; concurrent searches may run.</summary>
    /// <param name="destination">A writable stream; left open.</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The index is disposed.</exception>
    public void Save(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        _lock.EnterReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int count = _store.Count;
            var payloadHash = new XxHash64();
            ForEachPayloadChunk(count, payloadHash.Append);
            Span<byte> header = stackalloc byte[HeaderBytes];
            WriteHeader(header, Metric, Dimension, count, payloadHash.GetCurrentHashAsUInt64());
            destination.Write(header);
            ForEachPayloadChunk(count, destination.Write);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Reads an index saved by <see cref="Save(Stream)"/>.</summary>
    /// <param name="source">A readable stream positioned at the start of the index; left open, positioned after it.</param>
    /// <param name="kernel">The kernel the loaded index scores with; null for <see cref="SimilarityKernels.Default"/>.</param>
    /// <returns>The index.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="InvalidDataException">The data is not a saved index, is of another version, is truncated, or fails its checksum.</exception>
    public static VectorIndex Load(Stream source, ISimilarityKernel? kernel = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        Span<byte> header = stackalloc byte[HeaderBytes];
        ReadExactly(source, header, "the header");
        (SimilarityMetric metric, int dimension, int count, ulong expectedHash) = ReadHeader(header);

        var index = new VectorIndex(dimension, metric, kernel);
        try
        {
            index.ReadPayload(source, count, expectedHash);
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <summary>Loads a saved index from a file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="kernel">The kernel; null for the default.</param>
    /// <returns>The index.</returns>
    /// <exception cref="InvalidDataException">As <see cref="Load(Stream, ISimilarityKernel?)"/>.</exception>
    public static VectorIndex Load(string path, ISimilarityKernel? kernel = null)
    {
        using FileStream stream = File.OpenRead(path);
        return Load(stream, kernel);
    }

    /// <summary>Saves the index to a file, replacing it.</summary>
    /// <param name="path">The file.</param>
    public void Save(string path)
    {
        using FileStream stream = File.Create(path);
        Save(stream);
    }

    internal static void WriteHeader(Span<byte> header, SimilarityMetric metric, int dimension, long count, ulong payloadHash)
    {
        header.Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], FormatVersion);
        header[6] = (byte)metric;
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], dimension);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], count);
        BinaryPrimitives.WriteUInt64LittleEndian(header[24..], payloadHash);
        BinaryPrimitives.WriteUInt64LittleEndian(header[32..], XxHash64.HashToUInt64(header[..32]));
    }

    private static (SimilarityMetric Metric, int Dimension, int Count, ulong PayloadHash) ReadHeader(ReadOnlySpan<byte> header)
    {
        if (!header[..4].SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not a saved VectorIndex: the data does not start with \"CXVI\".");
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(header[32..]) != XxHash64.HashToUInt64(header[..32]))
        {
            throw new InvalidDataException("The VectorIndex header is corrupt: its checksum does not match.");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"The VectorIndex is format version {version}; this CortexHybrid reads version {FormatVersion}.");
        }

        var metric = (SimilarityMetric)header[6];
        int dimension = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        long count = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        if (!Enum.IsDefined(metric) || header[7] != 0 || BinaryPrimitives.ReadInt32LittleEndian(header[12..]) != 0
            || dimension < 1 || dimension > MaxDimension || count < 0 || count > Array.MaxLength)
        {
            throw new InvalidDataException($"The VectorIndex header is invalid (metric {header[6]}, dimension {dimension}, count {count}).");
        }

        return (metric, dimension, (int)count, BinaryPrimitives.ReadUInt64LittleEndian(header[24..]));
    }

    /// <summary>Hands the payload to <paramref name="write"/> in chunks: ids, norms, rows.</summary>
    private unsafe void ForEachPayloadChunk(int count, Action<ReadOnlySpan<byte>> write)
    {
        WriteChunked(MemoryMarshal.AsBytes(new ReadOnlySpan<long>(_store.Ids, count)), write);
        WriteChunked(MemoryMarshal.AsBytes(_store.Norms), write);
        for (int row = 0; row < count; row += RowsPerChunk)
        {
            int rows = Math.Min(RowsPerChunk, count - row);
            write(MemoryMarshal.AsBytes(new ReadOnlySpan<float>(_store.Rows + ((long)row * Dimension), rows * Dimension)));
        }
    }

    private int RowsPerChunk => Math.Max(1, ChunkBytes / (Dimension * sizeof(float)));

    private static void WriteChunked(ReadOnlySpan<byte> bytes, Action<ReadOnlySpan<byte>> write)
    {
        for (int offset = 0; offset < bytes.Length; offset += ChunkBytes)
        {
            write(bytes.Slice(offset, Math.Min(ChunkBytes, bytes.Length - offset)));
        }
    }

    private unsafe void ReadPayload(Stream source, int count, ulong expectedHash)
    {
        var hash = new XxHash64();
        long[] ids = StreamReading.ReadArray<long>(source, count, (expected, read) => EndsEarly("the ids", expected, read), hash.Append);
        float[] norms = StreamReading.ReadArray<float>(source, count, (expected, read) => EndsEarly("the norms", expected, read), hash.Append);

        // Rows arrive a chunk at a time into the store, which grows as they do: a header claiming
        // more rows than the data holds costs no more memory than the data.
        for (int row = 0; row < count; row += RowsPerChunk)
        {
            int rows = Math.Min(RowsPerChunk, count - row);
            _store.EnsureCapacity(row + rows);
            var target = new Span<float>(_store.Rows + ((long)row * Dimension), rows * Dimension);
            ReadExactly(source, MemoryMarshal.AsBytes(target), "the rows");
            hash.Append(MemoryMarshal.AsBytes(target));
        }

        if (hash.GetCurrentHashAsUInt64() != expectedHash)
        {
            throw new InvalidDataException("The VectorIndex data is corrupt: its checksum does not match.");
        }

        for (int row = 0; row < count; row++)
        {
            var vector = new ReadOnlySpan<float>(_store.Rows + ((long)row * Dimension), Dimension);
            if (VectorChecks.IndexOfNonFinite(vector) >= 0 || !float.IsFinite(norms[row]) || !_positions.TryAdd(ids[row], row))
            {
                throw new InvalidDataException($"The VectorIndex data is invalid at row {row} (a repeated id or a value that is not finite).");
            }

            _store.Place(row, ids[row], norms[row]);
        }
    }

    private static InvalidDataException EndsEarly(string what, long expected, long read) =>
        new($"The VectorIndex data ends early: {what} need {expected} bytes, {read} remain.");

    private static void ReadExactly(Stream source, Span<byte> buffer, string what)
    {
        int read = source.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length)
        {
            throw new InvalidDataException($"The VectorIndex data ends early: {what} need {buffer.Length} bytes, {read} remain.");
        }
    }
}
