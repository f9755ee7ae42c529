using System.Diagnostics.CodeAnalysis;

namespace CortexHybrid.Simd;

/// <summary>The argument checks every kernel shares, so each throws the same exceptions.</summary>
internal static class KernelGuard
{
    /// <summary>Throws unless <paramref name="x"/> and <paramref name="y"/> have the same length.</summary>
    public static void RequireSameLength(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != y.Length)
        {
            ThrowLengthMismatch(x.Length, y.Length);
        }
    }

    /// <summary>Checks a batch call and returns its row count.</summary>
    public static int RequireBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination)
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

        if (destination.Overlaps(query) || destination.Overlaps(rows))
        {
            ThrowOverlap();
        }

        return count;
    }

    [DoesNotReturn]
    private static void ThrowLengthMismatch(int xLength, int yLength) =>
        throw new ArgumentException($"The vectors must have the same length: x has {xLength} floats, y has {yLength}.", "y");

    [DoesNotReturn]
    private static void ThrowEmptyQuery() =>
        throw new ArgumentException("The query must not be empty: its length is the dimension of every row.", "query");

    [DoesNotReturn]
    private static void ThrowPartialRow(int rowsLength, int dimension) =>
        throw new ArgumentException($"rows holds {rowsLength} floats, which is not a whole number of rows of dimension {dimension}.", "rows");

    [DoesNotReturn]
    private static void ThrowDestinationLength(int destinationLength, int count) =>
        throw new ArgumentException($"destination holds {destinationLength} floats; it must hold exactly one per row ({count}).", "destination");

    [DoesNotReturn]
    private static void ThrowOverlap() =>
        throw new ArgumentException("destination must not overlap query or rows.", "destination");
}
