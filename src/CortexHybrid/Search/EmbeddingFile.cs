using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace CortexHybrid.Search;

/// <summary>
/// Readers for the common embedding file formats: <c>.fvecs</c> (the TEXMEX/FAISS format: per
/// vector an int32 dimension, then that many float32, little-endian) and <c>.npy</c> (NumPy, a
/// 1-D or 2-D float32 array in C order, <c>'&lt;f4'</c>).
/// </summary>
public static partial class EmbeddingFile
{
    /// <summary>Reads <paramref name="path"/> by its extension: <c>.fvecs</c> or <c>.npy</c>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The vectors.</returns>
    /// <exception cref="NotSupportedException">The extension is neither.</exception>
    /// <exception cref="InvalidDataException">The file is not valid in its format, or holds no vectors.</exception>
    public static EmbeddingMatrix Read(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        Func<Stream, EmbeddingMatrix> read = extension switch
        {
            ".fvecs" => ReadFvecs,
            ".npy" => ReadNpy,
            _ => throw new NotSupportedException($"'{path}': unknown embedding file type '{extension}' (expected .fvecs or .npy)."),
        };
        using FileStream stream = File.OpenRead(path);
        return read(stream);
    }

    /// <summary>Reads an <c>.fvecs</c> stream to its end.</summary>
    /// <param name="source">The stream.</param>
    /// <returns>The vectors.</returns>
    /// <exception cref="InvalidDataException">A dimension is not positive or differs from the first, a vector is cut short, or there is none.</exception>
    public static EmbeddingMatrix ReadFvecs(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        RequireLittleEndian();
        Span<byte> prefix = stackalloc byte[4];
        int read = source.ReadAtLeast(prefix, 4, throwOnEndOfStream: false);
        if (read == 0)
        {
            throw new InvalidDataException("fvecs: the file holds no vectors.");
        }

        if (read < 4)
        {
            throw new InvalidDataException("fvecs: vector 0 is cut short in its dimension field.");
        }

        int dimension = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (dimension <= 0 || dimension > VectorIndex.MaxDimension)
        {
            throw new InvalidDataException(
                $"fvecs: vector 0 has dimension {dimension}; it must be from 1 to {VectorIndex.MaxDimension} (is this an .fvecs file?).");
        }

        long recordBytes = 4 + (4L * dimension);
        if (source.CanSeek && source.Length - source.Position < recordBytes - 4)
        {
            throw new InvalidDataException($"fvecs: vector 0 is cut short: {dimension} floats expected.");
        }

        // A seekable stream tells the count up front, so the floats are read straight into one array.
        long? known = source.CanSeek ? (source.Length - source.Position + 4) / recordBytes : null;
        if (known * dimension > Array.MaxLength)
        {
            throw new InvalidDataException($"fvecs: {known} vectors of {dimension} floats are more than one array holds.");
        }

        float[] values = new float[(known ?? 1) * dimension];
        int count = 0;
        while (true)
        {
            if (count == values.Length / dimension)
            {
                Array.Resize(ref values, checked(Math.Max(dimension, values.Length * 2)));
            }

            Span<byte> row = MemoryMarshal.AsBytes(values.AsSpan(count * dimension, dimension));
            if (source.ReadAtLeast(row, row.Length, throwOnEndOfStream: false) < row.Length)
            {
                throw new InvalidDataException($"fvecs: vector {count} is cut short: {dimension} floats expected.");
            }

            count++;
            read = source.ReadAtLeast(prefix, 4, throwOnEndOfStream: false);
            if (read == 0)
            {
                break;
            }

            int d = read < 4 ? -1 : BinaryPrimitives.ReadInt32LittleEndian(prefix);
            if (d != dimension)
            {
                throw new InvalidDataException(read < 4
                    ? $"fvecs: vector {count} is cut short in its dimension field."
                    : $"fvecs: vector {count} has dimension {d}, but vector 0 has {dimension}.");
            }
        }

        if (values.Length != count * dimension)
        {
            Array.Resize(ref values, count * dimension);
        }

        return new EmbeddingMatrix(dimension, values);
    }

    /// <summary>Reads a NumPy <c>.npy</c> stream holding a float32 array of shape (N, D) or (D,), C order.</summary>
    /// <param name="source">The stream.</param>
    /// <returns>The vectors.</returns>
    /// <exception cref="InvalidDataException">Not an .npy file, another dtype than little-endian float32, Fortran order, another shape, or cut short.</exception>
    public static EmbeddingMatrix ReadNpy(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Span<byte> preamble = stackalloc byte[8];
        RequireLittleEndian();
        if (source.ReadAtLeast(preamble, 8, throwOnEndOfStream: false) < 8 || !preamble[..6].SequenceEqual(NpyMagic))
        {
            throw new InvalidDataException("npy: the data does not start with the NumPy magic \"\\x93NUMPY\".");
        }

        byte major = preamble[6];
        int lengthBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new InvalidDataException($"npy: format version {major}.{preamble[7]} is not supported (1.0, 2.0 and 3.0 are)."),
        };
        Span<byte> lengthField = stackalloc byte[4];
        if (source.ReadAtLeast(lengthField[..lengthBytes], lengthBytes, throwOnEndOfStream: false) < lengthBytes)
        {
            throw new InvalidDataException("npy: the header length is cut short.");
        }

        long headerLength = lengthBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthField) : BinaryPrimitives.ReadUInt32LittleEndian(lengthField);
        if (headerLength > 1 << 20)
        {
            throw new InvalidDataException($"npy: a header of {headerLength} bytes is not plausible.");
        }

        var headerBytes = new byte[headerLength];
        if (source.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false) < headerBytes.Length)
        {
            throw new InvalidDataException("npy: the header is cut short.");
        }

        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        string descr = Field(header, DescrPattern(), "descr");
        if (descr is not ("<f4" or "=f4"))
        {
            throw new InvalidDataException($"npy: dtype '{descr}' is not supported: only little-endian float32 ('<f4').");
        }

        if (Field(header, FortranPattern(), "fortran_order") != "False")
        {
            throw new InvalidDataException("npy: the array is in Fortran order; only C order is supported.");
        }

        long[] shape = [.. Field(header, ShapePattern(), "shape")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.TryParse(d, out long n) && n >= 0 ? n : throw new InvalidDataException($"npy: bad shape entry '{d}'."))];
        (long count, long dimension) = shape.Length switch
        {
            1 => (1L, shape[0]),
            2 => (shape[0], shape[1]),
            _ => throw new InvalidDataException($"npy: shape ({string.Join(", ", shape)}) is not supported: one vector (D,) or a matrix (N, D)."),
        };
        if (dimension < 1 || count < 1)
        {
            throw new InvalidDataException($"npy: shape ({string.Join(", ", shape)}) holds no vectors.");
        }

        if (dimension > VectorIndex.MaxDimension || count > Array.MaxLength / dimension)
        {
            throw new InvalidDataException($"npy: shape ({string.Join(", ", shape)}) is beyond what one array holds (or {VectorIndex.MaxDimension} floats a vector).");
        }

        // Read as the data arrives: a shape larger than the file costs no more than the file.
        float[] values = StreamReading.ReadArray<float>(
            source,
            count * dimension,
            (expected, read) => new InvalidDataException($"npy: the data is cut short: {expected} bytes expected, {read} found."));
        return new EmbeddingMatrix((int)dimension, values);
    }

    /// <summary>The first six bytes of an .npy file: 0x93 then "NUMPY".</summary>
    private static ReadOnlySpan<byte> NpyMagic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Embedding files are read on little-endian machines only.");
        }
    }

    private static string Field(string header, Regex pattern, string name)
    {
        Match match = pattern.Match(header);
        return match.Success ? match.Groups[1].Value : throw new InvalidDataException($"npy: the header has no '{name}' field: {header.Trim()}");
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
