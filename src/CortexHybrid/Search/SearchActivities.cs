using System.Diagnostics;
using CortexHybrid.Diagnostics;

namespace CortexHybrid.Search;

/// <summary>
/// The <c>cortex.index.search</c> activity. Started only when a listener samples the source, so a
/// search with no tracing costs one <see cref="ActivitySource.HasListeners"/> check.
/// </summary>
internal static class SearchActivities
{
    /// <summary>The activity's operation name.</summary>
    public const string SearchName = "cortex.index.search";

    public static readonly ActivitySource Source = new(CortexDiagnostics.ActivitySourceName, CortexDiagnostics.Version);

    /// <summary>A started search activity carrying the index's shape, or null when nobody listens.</summary>
    public static Activity? StartSearch(int rows, int dimension, SimilarityMetric metric, int queries, int k)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Activity? activity = Source.StartActivity(SearchName, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("cortex.index.rows", rows);
            activity.SetTag("cortex.index.dimension", dimension);
            activity.SetTag("cortex.index.metric", MetricName(metric));
            activity.SetTag("cortex.search.queries", queries);
            activity.SetTag("cortex.search.k", k);
        }

        return activity;
    }

    private static string MetricName(SimilarityMetric metric) => metric switch
    {
        SimilarityMetric.Cosine => "cosine",
        SimilarityMetric.DotProduct => "dot_product",
        _ => "squared_euclidean",
    };
}
