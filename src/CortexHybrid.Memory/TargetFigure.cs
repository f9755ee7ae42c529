using System.Text.Json.Serialization;

namespace CortexHybrid.Memory;

/// <summary>One of the performance guide's targets and its measured value.</summary>
/// <param name="Name">What is measured, e.g. "cached recall p95".</param>
/// <param name="Target">The target, e.g. "&lt; 50 ms".</param>
/// <param name="Measured">The measured value in the target's unit, or null before anything was measured.</param>
/// <param name="Unit">The unit: ms, requests/s or MiB.</param>
/// <param name="Met">Whether the measured value meets the target; null before anything was measured.</param>
/// <remarks>Null values are written as <c>null</c>, not left out (serializers that omit nulls included): the tool's output schema requires both properties.</remarks>
public sealed record TargetFigure(
    string Name,
    string Target,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? Measured,
    string Unit,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] bool? Met);
