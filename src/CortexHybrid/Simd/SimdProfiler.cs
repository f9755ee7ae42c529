namespace CortexHybrid.Simd;

/// <summary>
/// Measures how much faster one kernel runs an operation than another, on this machine, now.
/// A quick in-process check (milliseconds), not a benchmark: the BenchmarkDotNet suite is the
/// authority on speed. Rounds alternate between the two kernels and the medians are compared, so
/// a burst of noise from a shared machine affects both.
/// </summary>
public sealed class SimdProfiler
{
    /// <summary>How many rows the batch operations run against.</summary>
    public const int BatchRows = 256;

    private readonly TimeProvider _timeProvider;
    private float _sink;

    /// <summary>Creates a profiler.</summary>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    public SimdProfiler(TimeProvider? timeProvider = null) => _timeProvider = timeProvider ?? TimeProvider.System;

    /// <summary>Times <paramref name="operation"/> on both kernels and reports the ratio.</summary>
    /// <param name="baseline">The kernel to compare against.</param>
    /// <param name="candidate">The kernel measured.</param>
    /// <param name="operation">What to run.</param>
    /// <param name="dimension">The vector length.</param>
    /// <param name="iterations">Operations per round and kernel.</param>
    /// <param name="rounds">Rounds per kernel; the median round counts.</param>
    /// <returns>Both medians and their ratio.</returns>
    /// <exception cref="ArgumentNullException">A kernel is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/>, <paramref name="iterations"/> or <paramref name="rounds"/> is not positive.</exception>
    public SimdSpeedup Compare(
        ISimilarityKernel baseline,
        ISimilarityKernel candidate,
        SimilarityOperation operation = SimilarityOperation.Cosine,
        int dimension = 768,
        int iterations = 2_000,
        int rounds = 5)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(iterations);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rounds);
        if (!Enum.IsDefined(operation))
        {
            throw new ArgumentOutOfRangeException(nameof(operation), operation, "Unknown operation.");
        }

        var random = new Random(20_261_123);
        float[] x = RandomVector(random, dimension);
        float[] rows = RandomVector(random, dimension * (IsBatch(operation) ? BatchRows : 1));
        float[] destination = new float[BatchRows];

        // Warm-up: JIT tiering and caches, before anything is timed.
        Run(baseline, operation, x, rows, destination, Math.Max(1, iterations / 4));
        Run(candidate, operation, x, rows, destination, Math.Max(1, iterations / 4));

        var baselineRounds = new double[rounds];
        var candidateRounds = new double[rounds];
        for (int round = 0; round < rounds; round++)
        {
            baselineRounds[round] = Time(baseline, operation, x, rows, destination, iterations);
            candidateRounds[round] = Time(candidate, operation, x, rows, destination, iterations);
        }

        return new SimdSpeedup(operation, dimension, baseline.Description, candidate.Description, Median(baselineRounds), Median(candidateRounds));
    }

    private double Time(ISimilarityKernel kernel, SimilarityOperation operation, float[] x, float[] rows, float[] destination, int iterations)
    {
        long start = _timeProvider.GetTimestamp();
        Run(kernel, operation, x, rows, destination, iterations);
        return _timeProvider.GetElapsedTime(start).TotalNanoseconds / iterations;
    }

    private void Run(ISimilarityKernel kernel, SimilarityOperation operation, float[] x, float[] rows, float[] destination, int iterations)
    {
        float sink = 0;
        for (int i = 0; i < iterations; i++)
        {
            switch (operation)
            {
                case SimilarityOperation.Dot:
                    sink += kernel.Dot(x, rows);
                    break;
                case SimilarityOperation.Cosine:
                    sink += kernel.Cosine(x, rows);
                    break;
                case SimilarityOperation.SquaredEuclidean:
                    sink += kernel.SquaredEuclidean(x, rows);
                    break;
                case SimilarityOperation.DotBatch:
                    kernel.DotBatch(x, rows, destination);
                    sink += destination[0];
                    break;
                default:
                    kernel.CosineBatch(x, rows, destination);
                    sink += destination[0];
                    break;
            }
        }

        // Keeps the results observable, so no call can be optimized away.
        _sink = sink;
    }

    private static bool IsBatch(SimilarityOperation operation) =>
        operation is SimilarityOperation.DotBatch or SimilarityOperation.CosineBatch;

    private static float[] RandomVector(Random random, int length)
    {
        var vector = new float[length];
        for (int i = 0; i < vector.Length; i++)
        {
            vector[i] = (random.NextSingle() * 2) - 1;
        }

        return vector;
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        int middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
