namespace CortexHybrid.Search;

/// <summary>Vectors read from an embedding file: <see cref="Count"/> rows of <see cref="Dimension"/> floats, back to back.</summary>
public sealed class EmbeddingMatrix
{
    /// <summary>Wraps row-major values.</summary>
    /// <param name="dimension">Floats per vector, at least 1.</param>
    /// <param name="values">The vectors back to back; its length a multiple of <paramref name="dimension"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/> is below 1.</exception>
    /// <exception cref="ArgumentException">The length of <paramref name="values"/> is not a multiple of <paramref name="dimension"/>.</exception>
    public EmbeddingMatrix(int dimension, float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (values.Length % dimension != 0)
        {
            throw new ArgumentException($"{values.Length} floats are not a whole number of {dimension}-float vectors.", nameof(values));
        }

        Dimension = dimension;
        Values = values;
    }

    /// <summary>Floats per vector.</summary>
    public int Dimension { get; }

    /// <summary>How many vectors.</summary>
    public int Count => Values.Length / Dimension;

    /// <summary>The vectors, back to back.</summary>
    public float[] Values { get; }

    /// <summary>Vector <paramref name="index"/>.</summary>
    /// <param name="index">From 0 to <see cref="Count"/> - 1.</param>
    /// <returns>Its floats.</returns>
    public ReadOnlySpan<float> Row(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Values.AsSpan(index * Dimension, Dimension);
    }
}
