using CortexHybrid.Search;
using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Search;

/// <summary>
/// The kernels a <see cref="VectorIndex"/> can score with in this process, by name, for theories:
/// the native library (fused scoring and top-k in Rust; only when it loaded), the managed SIMD
/// kernel and the scalar loops (both: kernel scoring, top-k in managed heaps).
/// </summary>
public static class SearchKernels
{
    public static readonly SimilarityMetric[] AllMetrics = [SimilarityMetric.Cosine, SimilarityMetric.DotProduct, SimilarityMetric.SquaredEuclidean];

    public static IEnumerable<string> AvailableNames
    {
        get
        {
            if (SimilarityKernels.Native is not null)
            {
                yield return "native";
            }

            yield return "managed";
            yield return "scalar";
        }
    }

    public static TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (string name in AvailableNames)
            {
                data.Add(name);
            }

            return data;
        }
    }

    public static TheoryData<SimilarityMetric> Metrics
    {
        get
        {
            var data = new TheoryData<SimilarityMetric>();
            foreach (SimilarityMetric metric in AllMetrics)
            {
                data.Add(metric);
            }

            return data;
        }
    }

    public static TheoryData<SimilarityMetric, string> MetricsAndKernels
    {
        get
        {
            var data = new TheoryData<SimilarityMetric, string>();
            foreach (SimilarityMetric metric in AllMetrics)
            {
                foreach (string name in AvailableNames)
                {
                    data.Add(metric, name);
                }
            }

            return data;
        }
    }

    public static ISimilarityKernel Get(string name) => name switch
    {
        "native" => SimilarityKernels.Native
            ?? throw new InvalidOperationException($"The native kernel is not available: {SimilarityKernels.NativeUnavailableReason}"),
        "managed" => SimilarityKernels.Managed,
        "scalar" => SimilarityKernels.Scalar,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown kernel"),
    };
}
