using System.Text.Json.Serialization;

namespace CortexHybrid.Metrics;

/// <summary>Source-generated JSON for the snapshot (no reflection: the library is trimming- and AOT-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, Converters = [typeof(MillisecondsConverter)])]
[JsonSerializable(typeof(PerformanceSnapshot))]
internal sealed partial class MetricsJsonContext : JsonSerializerContext;
