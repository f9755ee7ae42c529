using Microsoft.Extensions.Logging;

namespace CortexHybrid.Memory;

/// <summary>What a <see cref="SemanticMemory"/> logs (event ids 5001–5099, stable). Calls that succeed, and inputs rejected as invalid, log nothing.</summary>
internal static partial class MemoryLog
{
    [LoggerMessage(EventId = 5001, EventName = "MemoryOpened", Level = LogLevel.Information,
        Message = "Memory opened: {Store}, {Model}, {Count} memories indexed in {Elapsed}.")]
    public static partial void Opened(ILogger logger, string store, string model, long count, TimeSpan elapsed);

    [LoggerMessage(EventId = 5002, EventName = "MemoryCallFailed", Level = LogLevel.Error,
        Message = "A memory call failed.")]
    public static partial void CallFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5003, EventName = "ReplicaFeedFailed", Level = LogLevel.Warning,
        Message = "Following the change feed of the {Store} failed ({ExceptionType}: {Reason}); following it again in {Delay} from change {Sequence}.")]
    public static partial void ReplicaFeedFailed(ILogger logger, string store, string exceptionType, string reason, TimeSpan delay, long sequence);

    [LoggerMessage(EventId = 5004, EventName = "ReplicaChangeSkipped", Level = LogLevel.Warning,
        Message = "Memory {Id}, added by change {Sequence}, cannot be added to the index and is not recallable here: {Reason}")]
    public static partial void ReplicaChangeSkipped(ILogger logger, long id, long sequence, string reason);

    [LoggerMessage(EventId = 5005, EventName = "RecallCacheWarmed", Level = LogLevel.Information,
        Message = "Recall cache warmed with the most frequent recalls of earlier runs: {Loaded} computed, {AlreadyCached} cached already, {Failed} failed, in {Elapsed}.")]
    public static partial void Warmed(ILogger logger, int loaded, int alreadyCached, int failed, TimeSpan elapsed);

    [LoggerMessage(EventId = 5006, EventName = "RecallCacheWarmingFailed", Level = LogLevel.Warning,
        Message = "Warming the recall cache failed; recalls are served without it.")]
    public static partial void WarmingFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5007, EventName = "FrequentQueriesNotSaved", Level = LogLevel.Warning,
        Message = "The counts of this run's recalls could not be saved to the {Store}; the next start warms from older counts.")]
    public static partial void FrequentQueriesNotSaved(ILogger logger, string store, Exception exception);

    [LoggerMessage(EventId = 5008, EventName = "RecallPrimingFailed", Level = LogLevel.Warning,
        Message = "Running a recall's stages once at open failed on the {Store} ({ExceptionType}: {Reason}); the first recall that finds a memory will be slower.")]
    public static partial void PrimingFailed(ILogger logger, string store, string exceptionType, string reason);
}
