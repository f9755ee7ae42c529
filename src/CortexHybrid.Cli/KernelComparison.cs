using CortexHybrid.Simd;

namespace CortexHybrid.Cli;

/// <summary>One kernel's time for one operation, and its ratio to TensorPrimitives.</summary>
/// <param name="Kernel">Native, Managed, Scalar or TensorPrimitives.</param>
/// <param name="Description">The kernel's own description.</param>
/// <param name="Nanoseconds">Median time per operation.</param>
/// <param name="RatioToTensorPrimitives">Time over TensorPrimitives' time in the same run: below 1 is faster.</param>
internal sealed record KernelTiming(string Kernel, string Description, double Nanoseconds, double RatioToTensorPrimitives);

/// <summary>All kernels on one operation and size.</summary>
/// <param name="Operation">The operation.</param>
/// <param name="Dimension">The vector length.</param>
/// <param name="Rows">Rows per call (1 for pair operations).</param>
/// <param name="Kernels">TensorPrimitives first, then the CortexHybrid kernels.</param>
internal sealed record ComparisonRow(SimilarityOperation Operation, int Dimension, int Rows, IReadOnlyList<KernelTiming> Kernels);

/// <summary>What <c>cortex bench</c> measured.</summary>
/// <param name="Rounds">Rounds per kernel and row; medians are reported.</param>
/// <param name="NativeUnavailableReason">Why there is no Native column, if there is none.</param>
/// <param name="Rows">One row per operation and dimension.</param>
internal sealed record ComparisonReport(int Rounds, string? NativeUnavailableReason, IReadOnlyList<ComparisonRow> Rows);

/// <summary>
/// The quick comparison behind <c>cortex bench</c>: Native, Managed and Scalar against
/// TensorPrimitives, measured with <see cref="SimdProfiler"/> in one process, rounds interleaved
/// so that noise on a shared machine hits every kernel alike. The BenchmarkDotNet suite is the
/// authority; this gives the picture in seconds.
/// </summary>
internal static class KernelComparison
{
    public static readonly SimilarityOperation[] Operations =
        [SimilarityOperation.Dot, SimilarityOperation.Cosine, SimilarityOperation.CosineBatch];

    /// <summary>Floats processed per round and kernel: a few milliseconds for the scalar kernel.</summary>
    private const long FloatsPerRound = 4_000_000;

    public static ComparisonReport Run(IReadOnlyList<int> dimensions, int rounds, Action<ComparisonRow> measured)
    {
        var kernels = new List<(string Name, ISimilarityKernel Kernel)> { ("TensorPrimitives", new TensorPrimitivesKernel()) };
        if (SimilarityKernels.Native is { } native)
        {
            kernels.Add(("Native", native));
        }

        kernels.Add(("Managed", SimilarityKernels.Managed));
        kernels.Add(("Scalar", SimilarityKernels.Scalar));

        var profiler = new SimdProfiler();
        var rows = new List<ComparisonRow>();
        foreach (SimilarityOperation operation in Operations)
        {
            foreach (int dimension in dimensions)
            {
                int rowCount = operation is SimilarityOperation.CosineBatch or SimilarityOperation.DotBatch ? SimdProfiler.BatchRows : 1;
                int iterations = (int)Math.Max(1, FloatsPerRound / ((long)dimension * rowCount));
                double[] nanoseconds = profiler.Measure(kernels.ConvertAll(k => k.Kernel), operation, dimension, iterations, rounds);
                var timings = kernels
                    .Select((k, i) => new KernelTiming(k.Name, k.Kernel.Description, nanoseconds[i], nanoseconds[i] / nanoseconds[0]))
                    .ToList();
                var row = new ComparisonRow(operation, dimension, rowCount, timings);
                rows.Add(row);
                measured(row);
            }
        }

        return new ComparisonReport(rounds, SimilarityKernels.NativeUnavailableReason, rows);
    }
}
