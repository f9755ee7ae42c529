using Microsoft.Extensions.Logging;

namespace CortexHybrid.Metrics;

/// <summary>What a <see cref="PerformanceMonitor"/> logs (event ids 3001–3099, stable). Recording never logs.</summary>
internal static partial class MonitorLog
{
    [LoggerMessage(EventId = 3001, EventName = "MemoryGrowthDetected", Level = LogLevel.Warning,
        Message = "Monitor '{MonitorName}': the GC heap grew by {GrowthBytes} bytes in {Interval} to {HeapBytes} bytes (threshold {ThresholdBytes}).")]
    public static partial void MemoryGrowthDetected(ILogger logger, string monitorName, long growthBytes, TimeSpan interval, long heapBytes, long thresholdBytes);
}
