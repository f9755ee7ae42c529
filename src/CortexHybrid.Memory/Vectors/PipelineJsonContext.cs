using System.Text.Json.Serialization;

namespace CortexHybrid.Memory.Vectors;

/// <summary>The cached form of a response: its hits as compact JSON, without reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SearchHit[]))]
internal sealed partial class PipelineJsonContext : JsonSerializerContext;
