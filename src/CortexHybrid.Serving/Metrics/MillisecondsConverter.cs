using System.Text.Json;
using System.Text.Json.Serialization;

namespace CortexHybrid.Metrics;

/// <summary>Writes a <see cref="TimeSpan"/> as a number of milliseconds, like every other duration in the JSON report.</summary>
internal sealed class MillisecondsConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        TimeSpan.FromMilliseconds(reader.GetDouble());

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.TotalMilliseconds);
}
