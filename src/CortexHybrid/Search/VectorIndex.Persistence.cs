using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using CortexHybrid.Simd;

namespace CortexHybrid.Search;

/// <summary>
/// Saving and loading. Two versions, all integers and floats little-endian, 40-byte header:
/// <code>
/// offset  size  field
///  0       4    magic "CXVI" (0x43 0x58 0x56 0x49)
///  4       2    version: 1 for float32 storage, 2 for quantized storage
///  6       1    metric: 0 cosine, 1 dot product, 2 squared Euclidean
///  7       1    v1: reserved, 0. v2: storage, 1 bfloat16, 2 int8
///  8       4    dimension (int32, at least 1, at most MaxDimension; MaxInt8Dimension for int8)
/// 12       4    v1: reserved, 0. v2: oversample (uint16, 1 to 1000), flags (byte; bit 0: the
///               float32 rows are present; other bits 0), reserved (byte, 0)
/// 16       8    count (int64, 0 to 2^31 - 1)
/// 24       8    XxHash64 (seed 0) of the payload
/// 32       8    XxHash64 (seed 0) of bytes 0..31
/// 40            payload
/// </code>
/// Version 1 payload: count ids (int64), count norms (float32), count x dimension floats.
/// Version 2 payload: for int8 first the scales (dimension float32 largest magnitudes fitted,
/// dimension float32 largest magnitudes ever added, int32 rows clamped since the fit, int32 clamped
/// rows kept, then each: int64 id and dimension float32, kept only without full precision); then count
/// ids, count norms, the float32 rows if flag 0 is set (count x dimension), the codes (count x
/// dimension int8 in -127..127, or count x dimension bfloat16 bit patterns, finite), and count
/// row biases (float32: <c>-|r|²</c> for squared Euclidean, else 0).
/// Rows are stored as the index holds them (normalized for cosine, with their norms), so a loaded
/// index searches bit for bit as the saved one. A float32 index is written as version 1, which
/// every reader of this format loads.
/// </summary>
public sealed partial class VectorIndex
{
    /// <summary>The first four bytes of a saved index: "CXVI".</summary>
    internal static ReadOnlySpan<byte> Magic => "CXVI"u8;

    internal const ushort FormatVersion = 1;

    /// <summary>The version written for quantized storage.</summary>
    internal const ushort QuantizedFormatVersion = 2;

    private const byte FullPrecisionFlag = 1;

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
            if (Storage != VectorStorage.Float32)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(header[4..], QuantizedFormatVersion);
                header[7] = (byte)Storage;
                BinaryPrimitives.WriteUInt16LittleEndian(header[12..], (ushort)Oversample);
                header[14] = _store.HasFloats ? FullPrecisionFlag : (byte)0;
                BinaryPrimitives.WriteUInt64LittleEndian(header[32..], XxHash64.HashToUInt64(header[..32]));
            }

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
        (SimilarityMetric metric, int dimension, int count, ulong expectedHash, VectorStorageOptions options) = ReadHeader(header);

        var index = new VectorIndex(dimension, metric, kernel, options);
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

    private static (SimilarityMetric Metric, int Dimension, int Count, ulong PayloadHash, VectorStorageOptions Options) ReadHeader(ReadOnlySpan<byte> header)
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
        if (version is not (FormatVersion or QuantizedFormatVersion))
        {
            throw new InvalidDataException($"The VectorIndex is format version {version}; this CortexHybrid reads versions {FormatVersion} and {QuantizedFormatVersion}.");
        }

        var metric = (SimilarityMetric)header[6];
        int dimension = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        long count = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        var storage = (VectorStorage)header[7];
        ushort oversample = BinaryPrimitives.ReadUInt16LittleEndian(header[12..]);
        byte flags = header[14];
        bool layoutValid = version == FormatVersion
            ? header[7] == 0 && BinaryPrimitives.ReadInt32LittleEndian(header[12..]) == 0
            : storage is VectorStorage.BFloat16 or VectorStorage.Int8
                && oversample is >= 1 and <= VectorStorageOptions.MaxOversample
                && (flags & ~FullPrecisionFlag) == 0 && header[15] == 0
                && (storage != VectorStorage.Int8 || dimension <= MaxInt8Dimension);
        if (!Enum.IsDefined(metric) || !layoutValid || dimension < 1 || dimension > MaxDimension || count < 0 || count > Array.MaxLength)
        {
            throw new InvalidDataException(
                $"The VectorIndex header is invalid (version {version}, metric {header[6]}, storage {header[7]}, dimension {dimension}, count {count}, oversample {oversample}, flags {flags}).");
        }

        VectorStorageOptions options = version == FormatVersion
            ? new VectorStorageOptions()
            : new VectorStorageOptions { Storage = storage, Oversample = oversample, KeepFullPrecision = (flags & FullPrecisionFlag) != 0 };
        return (metric, dimension, (int)count, BinaryPrimitives.ReadUInt64LittleEndian(header[24..]), options);
    }

    /// <summary>Hands the payload to <paramref name="write"/> in chunks: ids, norms, rows.</summary>
    private unsafe void ForEachPayloadChunk(int count, Action<ReadOnlySpan<byte>> write)
    {
        if (_scales is not null)
        {
            WriteChunked(MemoryMarshal.AsBytes(_scales.Maxima), write);
            WriteChunked(MemoryMarshal.AsBytes(_scales.Observed), write);
            Span<byte> counts = stackalloc byte[2 * sizeof(int)];
            BinaryPrimitives.WriteInt32LittleEndian(counts, _scales.ClippedSinceFit);
            BinaryPrimitives.WriteInt32LittleEndian(counts[sizeof(int)..], _clampedRows.Count);
            write(counts);
            Span<byte> id = stackalloc byte[sizeof(long)];
            foreach ((long clampedId, float[] row) in _clampedRows)
            {
                BinaryPrimitives.WriteInt64LittleEndian(id, clampedId);
                write(id);
                write(MemoryMarshal.AsBytes(row.AsSpan()));
            }
        }

        WriteChunked(MemoryMarshal.AsBytes(new ReadOnlySpan<long>(_store.Ids, count)), write);
        WriteChunked(MemoryMarshal.AsBytes(_store.Norms), write);
        if (_store.HasFloats)
        {
            for (int row = 0; row < count; row += RowsPerChunk)
            {
                int rows = Math.Min(RowsPerChunk, count - row);
                write(MemoryMarshal.AsBytes(new ReadOnlySpan<float>(_store.Rows + ((long)row * Dimension), rows * Dimension)));
            }
        }

        if (Storage != VectorStorage.Float32)
        {
            WriteChunked(new ReadOnlySpan<byte>(_store.Codes, checked(count * _store.CodeBytesPerRow)), write);
            WriteChunked(MemoryMarshal.AsBytes(_store.Bias), write);
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
        float[]? maxima = null, observed = null;
        int clipped = 0;
        if (_scales is not null)
        {
            maxima = StreamReading.ReadArray<float>(source, Dimension, (expected, read) => EndsEarly("the int8 scales", expected, read), hash.Append);
            observed = StreamReading.ReadArray<float>(source, Dimension, (expected, read) => EndsEarly("the int8 scales", expected, read), hash.Append);
            Span<byte> counts = stackalloc byte[2 * sizeof(int)];
            ReadExactly(source, counts, "the int8 scales");
            hash.Append(counts);
            clipped = BinaryPrimitives.ReadInt32LittleEndian(counts);
            int clampedRows = BinaryPrimitives.ReadInt32LittleEndian(counts[sizeof(int)..]);
            if (clampedRows < 0 || clampedRows > count || (clampedRows > 0 && _store.HasFloats))
            {
                throw new InvalidDataException($"The VectorIndex int8 scales are invalid ({clampedRows} clamped rows kept of {count}).");
            }

            Span<byte> id = stackalloc byte[sizeof(long)];
            for (int i = 0; i < clampedRows; i++)
            {
                ReadExactly(source, id, "the clamped rows");
                hash.Append(id);
                var row = new float[Dimension];
                ReadExactly(source, MemoryMarshal.AsBytes(row.AsSpan()), "the clamped rows");
                hash.Append(MemoryMarshal.AsBytes(row.AsSpan()));
                if (VectorChecks.IndexOfNonFinite(row) >= 0 || !_clampedRows.TryAdd(BinaryPrimitives.ReadInt64LittleEndian(id), row))
                {
                    throw new InvalidDataException($"The VectorIndex clamped row {i} is invalid (a repeated id or a value that is not finite).");
                }
            }
        }

        long[] ids = StreamReading.ReadArray<long>(source, count, (expected, read) => EndsEarly("the ids", expected, read), hash.Append);
        float[] norms = StreamReading.ReadArray<float>(source, count, (expected, read) => EndsEarly("the norms", expected, read), hash.Append);

        // Rows arrive a chunk at a time into the store, which grows as they do: a header claiming
        // more rows than the data holds costs no more memory than the data.
        if (_store.HasFloats)
        {
            for (int row = 0; row < count; row += RowsPerChunk)
            {
                int rows = Math.Min(RowsPerChunk, count - row);
                _store.EnsureCapacity(row + rows);
                var target = new Span<float>(_store.Rows + ((long)row * Dimension), rows * Dimension);
                ReadExactly(source, MemoryMarshal.AsBytes(target), "the rows");
                hash.Append(MemoryMarshal.AsBytes(target));
            }
        }

        float[]? biases = null;
        if (Storage != VectorStorage.Float32)
        {
            int codeBytes = _store.CodeBytesPerRow;
            int rowsPerChunk = Math.Max(1, ChunkBytes / codeBytes);
            for (int row = 0; row < count; row += rowsPerChunk)
            {
                int rows = Math.Min(rowsPerChunk, count - row);
                _store.EnsureCapacity(row + rows);
                var target = new Span<byte>(_store.Codes + ((long)row * codeBytes), rows * codeBytes);
                ReadExactly(source, target, "the codes");
                hash.Append(target);
            }

            biases = StreamReading.ReadArray<float>(source, count, (expected, read) => EndsEarly("the row biases", expected, read), hash.Append);
        }

        if (hash.GetCurrentHashAsUInt64() != expectedHash)
        {
            throw new InvalidDataException("The VectorIndex data is corrupt: its checksum does not match.");
        }

        if (maxima is not null && observed is not null)
        {
            for (int d = 0; d < Dimension; d++)
            {
                if (!float.IsFinite(maxima[d]) || maxima[d] < 0 || !(observed[d] >= maxima[d]) || !float.IsFinite(observed[d]))
                {
                    throw new InvalidDataException($"The VectorIndex int8 scales are invalid at dimension {d} ({maxima[d]}, {observed[d]}).");
                }
            }

            if (clipped < 0)
            {
                throw new InvalidDataException($"The VectorIndex int8 scales are invalid ({clipped} rows clamped).");
            }

            // An index saved empty has no rows to have fitted on: the first rows added fit it again.
            _scales!.Restore(maxima, observed, clipped, fitted: count > 0);
        }

        _store.EnsureCapacity(count);
        for (int row = 0; row < count; row++)
        {
            string? problem = !float.IsFinite(norms[row]) ? "a norm that is not finite"
                : !_positions.TryAdd(ids[row], row) ? "a repeated id"
                : _store.HasFloats && VectorChecks.IndexOfNonFinite(new ReadOnlySpan<float>(_store.Rows + ((long)row * Dimension), Dimension)) >= 0 ? "a value that is not finite"
                : biases is not null && !(float.IsFinite(biases[row]) && (Metric == SimilarityMetric.SquaredEuclidean || biases[row] == 0)) ? "a row bias this metric does not have"
                : biases is not null && !CodesValid(row) ? "a code out of range"
                : null;
            if (problem is not null)
            {
                throw new InvalidDataException($"The VectorIndex data is invalid at row {row}: {problem}.");
            }

            _store.Place(row, ids[row], norms[row]);
            if (biases is not null)
            {
                _store.Bias[row] = biases[row];
            }
        }

        foreach (long id in _clampedRows.Keys)
        {
            if (!_positions.ContainsKey(id))
            {
                throw new InvalidDataException($"The VectorIndex keeps a clamped row for id {id}, which it does not hold.");
            }
        }
    }

    /// <summary>Whether row <paramref name="row"/>'s codes are ones this index writes: int8 in -127..127, bfloat16 finite.</summary>
    private bool CodesValid(int row)
    {
        ReadOnlySpan<byte> codes = _store.CodeRow(row);
        if (_scales is not null)
        {
            return !MemoryMarshal.Cast<byte, sbyte>(codes).Contains(sbyte.MinValue);
        }

        foreach (ushort bits in MemoryMarshal.Cast<byte, ushort>(codes))
        {
            if ((bits & 0x7F80) == 0x7F80)
            {
                return false;
            }
        }

        return true;
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
