using CortexHybrid.Search;

namespace CortexHybrid.Tests.Search;

/// <summary>
/// The quantization schemes as <see cref="VectorStorage"/> documents them, evaluated in double:
/// int8 with per-dimension scales from the largest magnitude of each dimension (codes
/// <c>round(x · 127 / m)</c>, ties to even, clamped to ±127; the query mapped by <c>m / 127</c> and
/// quantized with a scale of its own), bfloat16 by rounding the float's bits to nearest even.
/// Keys as the index ranks them: <c>scale · Σ q·r</c>, and for squared distance
/// <c>|q|² - (2 · scale · Σ q·r - |r|²)</c>.
/// </summary>
internal sealed class QuantizedReference
{
    private readonly VectorStorage _storage;
    private readonly SimilarityMetric _metric;
    private readonly int _dimension;
    private readonly float[][] _rows;
    private readonly float[] _maxima;

    public QuantizedReference(VectorStorage storage, SimilarityMetric metric, int dimension, float[] rowMajor)
    {
        _storage = storage;
        _metric = metric;
        _dimension = dimension;
        _rows = [.. Enumerable.Range(0, rowMajor.Length / dimension).Select(r => Prepare(rowMajor.AsSpan(r * dimension, dimension)))];
        _maxima = new float[dimension];
        foreach (float[] row in _rows)
        {
            for (int d = 0; d < dimension; d++)
            {
                _maxima[d] = Math.Max(_maxima[d], Math.Abs(row[d]));
            }
        }
    }

    /// <summary>The score the index returns without full-precision rows for row <paramref name="row"/>.</summary>
    public double Score(float[] query, int row)
    {
        float[] q = Prepare(query);
        float[] r = _rows[row];
        double dot, scale;
        if (_storage == VectorStorage.Int8)
        {
            float largest = 0;
            for (int d = 0; d < _dimension; d++)
            {
                largest = Math.Max(largest, Math.Abs(q[d] * (_maxima[d] / 127f)));
            }

            scale = largest / 127f;
            dot = 0;
            for (int d = 0; d < _dimension; d++)
            {
                int queryCode = largest == 0 ? 0 : Code(q[d] * (_maxima[d] / 127f) * (127f / largest));
                int rowCode = _maxima[d] == 0 ? 0 : Code(r[d] * (127f / _maxima[d]));
                dot += (double)queryCode * rowCode;
            }
        }
        else
        {
            scale = 1;
            dot = 0;
            for (int d = 0; d < _dimension; d++)
            {
                dot += (double)BFloat16(q[d]) * BFloat16(r[d]);
            }
        }

        if (_metric != SimilarityMetric.SquaredEuclidean)
        {
            return scale * dot;
        }

        double key = (2 * scale * dot) - r.Sum(x => (double)x * x);
        return Math.Max(0, q.Sum(x => (double)x * x) - key);
    }

    private float[] Prepare(ReadOnlySpan<float> vector)
    {
        float[] copy = vector.ToArray();
        if (_metric == SimilarityMetric.Cosine)
        {
            double norm = Math.Sqrt(copy.Sum(x => (double)x * x));
            for (int d = 0; d < copy.Length; d++)
            {
                copy[d] = norm == 0 ? 0 : (float)(copy[d] / norm);
            }
        }

        return copy;
    }

    private static int Code(float scaled) => (int)Math.Round(Math.Clamp(scaled, -127f, 127f), MidpointRounding.ToEven);

    /// <summary>The float's bfloat16 rounding (to nearest, ties to even), as a float.</summary>
    private static float BFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        uint rounded = (bits + 0x7FFFu + ((bits >> 16) & 1)) & 0xFFFF0000u;
        return BitConverter.UInt32BitsToSingle(rounded);
    }
}
