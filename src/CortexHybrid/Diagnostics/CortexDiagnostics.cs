namespace CortexHybrid.Diagnostics;

/// <summary>
/// The names CortexHybrid publishes its telemetry under, for OpenTelemetry's
/// <c>AddMeter(CortexDiagnostics.MeterName)</c> and <c>AddSource(CortexDiagnostics.ActivitySourceName)</c>,
/// <c>dotnet-counters monitor --counters CortexHybrid</c> or a <see cref="System.Diagnostics.Metrics.MeterListener"/>.
/// </summary>
/// <remarks>
/// Every instrument (the cache's, the pool's, the monitor's) is on the meter <see cref="MeterName"/>;
/// every activity (a vector index search, a cache factory run, a pool acquire that waits, a
/// monitor span) comes from the activity source <see cref="ActivitySourceName"/>. With no listener
/// nothing is recorded and nothing is allocated.
/// </remarks>
public static class CortexDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> every CortexHybrid instrument is on: <c>CortexHybrid</c>.</summary>
    public const string MeterName = "CortexHybrid";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> every CortexHybrid activity comes from: <c>CortexHybrid</c>.</summary>
    public const string ActivitySourceName = "CortexHybrid";

    /// <summary>The version the meter and the activity source report: the library's.</summary>
    public static string Version { get; } =
        typeof(CortexDiagnostics).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
