using System.Text.Json;
using System.Text.Json.Serialization;

namespace CortexHybrid.Memory;

/// <summary>The JSON contracts of what the memory caches (recall responses) and reports (status), source-generated.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false)]
[JsonSerializable(typeof(RecallHit[]))]
[JsonSerializable(typeof(MemoryStatus))]
[JsonSerializable(typeof(RecallRequest))]
internal sealed partial class MemoryJsonContext : JsonSerializerContext;
