using System.Diagnostics;
using System.Diagnostics.Metrics;
using CortexHybrid.Diagnostics;

namespace CortexHybrid.Telemetry;

/// <summary>
/// The activity source and the meters of the pool, the cache and the monitor, under the names in
/// <see cref="CortexDiagnostics"/>. Activities start only when a listener samples the source, so
/// the paths that start them cost one <see cref="ActivitySource.HasListeners"/> check without one.
/// </summary>
internal static class ServingTelemetry
{
    public static readonly ActivitySource Source = new(CortexDiagnostics.ActivitySourceName, CortexDiagnostics.Version);

    /// <summary>
    /// The meter a component publishes on: from <paramref name="factory"/> when the app registered
    /// one (the host's <see cref="IMeterFactory"/> then owns it and disposes it with the container),
    /// else one of its own, which the component disposes.
    /// </summary>
    public static Meter CreateMeter(IMeterFactory? factory) =>
        factory is not null
            ? factory.Create(new MeterOptions(CortexDiagnostics.MeterName) { Version = CortexDiagnostics.Version })
            : new Meter(CortexDiagnostics.MeterName, CortexDiagnostics.Version);

    /// <summary>Starts an internal activity, or returns null when nobody listens.</summary>
    public static Activity? Start(string name)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        return Source.StartActivity(name, ActivityKind.Internal);
    }

    /// <summary>Marks <paramref name="activity"/> failed by <paramref name="exception"/> (OpenTelemetry's <c>error.type</c> and an exception event).</summary>
    public static void Fail(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag("error.type", exception.GetType().FullName);
        activity.AddException(exception);
    }
}
