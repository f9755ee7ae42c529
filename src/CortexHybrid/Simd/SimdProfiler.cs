using System.Runtime.CompilerServices;

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

    /// <summary>The kernels and operations this profiler has run its <see cref="JitWarmup"/> for: tiered compilation replaces a method's code once per process.</summary>
    private readonly HashSet<(ISimilarityKernel Kernel, SimilarityOperation Operation)> _jitWarmed = [];
    private float _sink;

    /// <summary>Creates a profiler.</summary>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    public SimdProfiler(TimeProvider? timeProvider = null) => _timeProvider = timeProvider ?? TimeProvider.System;

    /// <summary>
    /// How long the first measurement of each operation keeps running warm-up passes over every
    /// kernel before anything is timed: long enough for tiered compilation (on by default in .NET)
    /// to replace the kernels' first, unoptimized code. The runtime promotes a method once it has
    /// been called 30 times and 100 ms have passed without new first-tier compilations, then
    /// compiles it in the background; a timing taken before that measures the unoptimized code, at
    /// 5 to 15 times the final time on short vectors. 300 ms by default; zero when the process runs
    /// without tiered compilation, for a warm-up of a quarter of the iterations only. From zero to
    /// one minute.
    /// </summary>
    /// <remarks>
    /// A process that times kernels this way is best run without dynamic PGO
    /// (<c>&lt;TieredPGO&gt;false&lt;/TieredPGO&gt;</c>, as the <c>cortex</c> tool is): the
    /// profile it takes from a warm-up loop can mislead the final code of a kernel called once per
    /// operation (TensorPrimitives' cosine timed at 7 to 20 times its cost).
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">Set below zero or above one minute.</exception>
    public TimeSpan JitWarmup
    {
        get;
        init
        {
            if (value < TimeSpan.Zero || value > TimeSpan.FromMinutes(1))
            {
                throw new ArgumentOutOfRangeException(nameof(JitWarmup), value, "JitWarmup must be from zero to one minute.");
            }

            field = value;
        }
    } = TimeSpan.FromMilliseconds(300);

    /// <summary>Times <paramref name="operation"/> on both kernels and reports the ratio.</summary>
    /// <param name="baseline">The kernel to compare against.</param>
    /// <param name="candidate">The kernel measured.</param>
    /// <param name="operation">What to run.</param>
    /// <param name="dimension">The vector length.</param>
    /// <param name="iterations">Operations per round and kernel.</param>
    /// <param name="rounds">Rounds per kernel; the median round counts.</param>
    /// <returns>Both medians and their ratio.</returns>
    /// <exception cref="ArgumentNullException">A kernel is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/>, <paramref name="iterations"/> or <paramref name="rounds"/> is not positive, or <paramref name="operation"/> is unknown.</exception>
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
        double[] medians = Measure([baseline, candidate], operation, dimension, iterations, rounds);
        return new SimdSpeedup(operation, dimension, baseline.Description, candidate.Description, medians[0], medians[1]);
    }

    /// <summary>
    /// Times <paramref name="operation"/> on every kernel: a warm-up of a quarter of
    /// <paramref name="iterations"/> each (repeated, the first time for this operation, until
    /// <see cref="JitWarmup"/> has passed), then <paramref name="rounds"/> rounds in which every
    /// kernel runs <paramref name="iterations"/> operations in turn.
    /// </summary>
    /// <param name="kernels">The kernels to time.</param>
    /// <param name="operation">What to run.</param>
    /// <param name="dimension">The vector length.</param>
    /// <param name="iterations">Operations per round and kernel.</param>
    /// <param name="rounds">Rounds per kernel; the median round counts.</param>
    /// <returns>Each kernel's median time per operation in nanoseconds, in the order given.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="kernels"/> or one of them is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/>, <paramref name="iterations"/> or <paramref name="rounds"/> is not positive, or <paramref name="operation"/> is unknown.</exception>
    public double[] Measure(
        IReadOnlyList<ISimilarityKernel> kernels,
        SimilarityOperation operation = SimilarityOperation.Cosine,
        int dimension = 768,
        int iterations = 2_000,
        int rounds = 5)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        for (int k = 0; k < kernels.Count; k++)
        {
            ArgumentNullException.ThrowIfNull(kernels[k], $"kernels[{k}]");
        }

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

        // Warm-up: caches, and (the first time for this operation) tiered JIT, before anything is timed.
        int warmup = Math.Max(1, iterations / 4);
        bool jitWarmed = kernels.All(kernel => _jitWarmed.Contains((kernel, operation)));
        long warmupStart = _timeProvider.GetTimestamp();
        do
        {
            foreach (ISimilarityKernel kernel in kernels)
            {
                Run(kernel, operation, x, rows, destination, warmup);
            }
        }
        while (!jitWarmed && _timeProvider.GetElapsedTime(warmupStart) < JitWarmup);

        foreach (ISimilarityKernel kernel in kernels)
        {
            _jitWarmed.Add((kernel, operation));
        }

        var times = new double[kernels.Count][];
        for (int k = 0; k < kernels.Count; k++)
        {
            times[k] = new double[rounds];
        }

        for (int round = 0; round < rounds; round++)
        {
            for (int k = 0; k < kernels.Count; k++)
            {
                times[k][round] = Time(kernels[k], operation, x, rows, destination, iterations);
            }
        }

        return Array.ConvertAll(times, Median);
    }

    private double Time(ISimilarityKernel kernel, SimilarityOperation operation, float[] x, float[] rows, float[] destination, int iterations)
    {
        long start = _timeProvider.GetTimestamp();
        Run(kernel, operation, x, rows, destination, iterations);
        return _timeProvider.GetElapsedTime(start).TotalNanoseconds / iterations;
    }

    // Compiled fully optimized at once, as BenchmarkDotNet does with its loops: under tiered
    // compilation this loop would run first-tier or on-stack-replaced code trained on whichever
    // operation it ran first, and time itself rather than the kernel (TensorPrimitives' cosine
    // measured 280 ns at 128 floats from here against 13 ns inside the batch loop).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
