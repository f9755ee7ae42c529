namespace CortexHybrid.Benchmarks;

/// <summary>
/// A seeded Zipf sampler over key ranks 0 to <see cref="KeyCount"/> − 1: rank <c>k</c> is drawn with
/// probability proportional to 1 / (k + 1)^s, so rank 0 is the most popular. Inverse transform on
/// a precomputed cumulative distribution (one binary search per draw).
/// </summary>
public sealed class ZipfKeys
{
    private readonly double[] _cumulative;
    private readonly Random _random;

    /// <param name="keyCount">How many distinct keys; at least 1.</param>
    /// <param name="exponent">The skew s; 0 is uniform, larger is more skewed.</param>
    /// <param name="seed">The seed: the same seed gives the same sequence.</param>
    public ZipfKeys(int keyCount, double exponent, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keyCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(exponent);
        _cumulative = new double[keyCount];
        double sum = 0;
        for (int k = 0; k < keyCount; k++)
        {
            sum += 1.0 / Math.Pow(k + 1, exponent);
            _cumulative[k] = sum;
        }

        for (int k = 0; k < keyCount; k++)
        {
            _cumulative[k] /= sum;
        }

        _cumulative[^1] = 1.0;
        _random = new Random(seed);
    }

    public int KeyCount => _cumulative.Length;

    /// <summary>The next rank.</summary>
    public int Next()
    {
        int index = Array.BinarySearch(_cumulative, _random.NextDouble());
        return Math.Min(index >= 0 ? index + 1 : ~index, _cumulative.Length - 1);
    }

    /// <summary>The next <paramref name="count"/> ranks.</summary>
    public int[] Take(int count)
    {
        int[] ranks = new int[count];
        for (int i = 0; i < ranks.Length; i++)
        {
            ranks[i] = Next();
        }

        return ranks;
    }
}
