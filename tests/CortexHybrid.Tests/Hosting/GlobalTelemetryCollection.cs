namespace CortexHybrid.Tests.Hosting;

/// <summary>
/// Tests whose listeners (OpenTelemetry's, a <see cref="System.Diagnostics.Metrics.MeterListener"/>)
/// listen to every <c>CortexHybrid</c> meter and activity source in the process: they run alone, so
/// they neither see other tests' telemetry nor turn on instruments and activities under tests that
/// count allocations.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalTelemetryCollection
{
    public const string Name = "Global telemetry listeners";
}
