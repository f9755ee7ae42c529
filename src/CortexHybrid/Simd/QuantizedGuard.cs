using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace CortexHybrid.Simd;

/// <summary>The argument checks every quantized kernel shares, so each throws the same exceptions.</summary>
internal static class QuantizedGuard
{
    /// <summary>Throws unless <paramref name="x"/> and <paramref name="y"/> have the same length.</summary>
    public static void RequireSameLength<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
    {
        if (x.Length != y.Length)
        {
            ThrowLengthMismatch(x.Length, y.Length);
        }
    }

    /// <summary>Throws unless an int8 vector of <paramref name="length"/> elements is admitted.</summary>
    public static void RequireInt8Length(int length, string parameterName)
    {
        if (length > QuantizedKernels.MaxInt8Length)
        {
            ThrowInt8TooLong(length, parameterName);
        }
    }

    /// <summary>Checks a batch call and returns its row count.</summary>
    public static int RequireBatch<TElement, TResult>(ReadOnlySpan<TElement> query, ReadOnlySpan<TElement> rows, Span<TResult> destination)
        where TElement : unmanaged
        where TResult : unmanaged
    {
        if (query.IsEmpty)
        {
            ThrowEmptyQuery();
        }

        int count = rows.Length / query.Length;
        if (count * query.Length != rows.Length)
        {
            ThrowPartialRow(rows.Length, query.Length);
        }

        if (destination.Length != count)
        {
            ThrowDestinationLength(destination.Length, count);
        }

        ReadOnlySpan<byte> output = MemoryMarshal.AsBytes((ReadOnlySpan<TResult>)destination);
        if (output.Overlaps(MemoryMarshal.AsBytes(query)) || output.Overlaps(MemoryMarshal.AsBytes(rows)))
        {
            ThrowOverlap();
        }

        return count;
    }

    [DoesNotReturn]
    private static void ThrowLengthMismatch(int xLength, int yLength) =>
        throw new ArgumentException($"The vectors must have the same length: x has {xLength} elements, y has {yLength}.", "y");

    [DoesNotReturn]
    private static void ThrowInt8TooLong(int length, string parameterName) =>
        throw new ArgumentOutOfRangeException(
            parameterName,
            length,
            $"An int8 vector holds at most {QuantizedKernels.MaxInt8Length} elements (so that no dot product can leave int32); this one holds {length}.");

    [DoesNotReturn]
    private static void ThrowEmptyQuery() =>
        throw new ArgumentException("The query must not be empty: its length is the dimension of every row.", "query");

    [DoesNotReturn]
    private static void ThrowPartialRow(int rowsLength, int dimension) =>
        throw new ArgumentException($"rows holds {rowsLength} elements, which is not a whole number of rows of dimension {dimension}.", "rows");

    [DoesNotReturn]
    private static void ThrowDestinationLength(int destinationLength, int count) =>
        throw new ArgumentException($"destination holds {destinationLength} results; it must hold exactly one per row ({count}).", "destination");

    [DoesNotReturn]
    private static void ThrowOverlap() =>
        throw new ArgumentException("destination must not overlap query or rows.", "destination");
}
