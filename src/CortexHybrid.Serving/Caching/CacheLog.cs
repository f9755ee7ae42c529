using Microsoft.Extensions.Logging;

namespace CortexHybrid.Caching;

/// <summary>
/// What a <see cref="TieredCache"/> logs (event ids 2001–2099, stable). Only failures and the level
/// 3 circuit changing state are logged; a call that succeeds logs nothing.
/// </summary>
internal static partial class CacheLog
{
    [LoggerMessage(EventId = 2001, EventName = "Level3CallFailed", Level = LogLevel.Warning,
        Message = "Cache '{CacheName}': a level 3 {Operation} failed or timed out; the call is served without level 3.")]
    public static partial void Level3CallFailed(ILogger logger, string cacheName, string operation, Exception exception);

    [LoggerMessage(EventId = 2002, EventName = "Level3CircuitOpened", Level = LogLevel.Warning,
        Message = "Cache '{CacheName}': level 3 circuit opened; level 3 is skipped for {RetryDelay} at a time until a call to it succeeds.")]
    public static partial void Level3CircuitOpened(ILogger logger, string cacheName, TimeSpan retryDelay);

    [LoggerMessage(EventId = 2003, EventName = "Level3CircuitClosed", Level = LogLevel.Information,
        Message = "Cache '{CacheName}': level 3 circuit closed; a call succeeded after {Failures} failed.")]
    public static partial void Level3CircuitClosed(ILogger logger, string cacheName, long failures);

    [LoggerMessage(EventId = 2004, EventName = "Level3Reconnected", Level = LogLevel.Information,
        Message = "Cache '{CacheName}': the Redis {ConnectionType} connection was restored; invalidations may have been missed meanwhile, so levels 1 and 2 ({Dropped} entries) were dropped.")]
    public static partial void Level3Reconnected(ILogger logger, string cacheName, string connectionType, int dropped);

    [LoggerMessage(EventId = 2005, EventName = "RefreshFailed", Level = LogLevel.Warning,
        Message = "Cache '{CacheName}': a refresh-ahead factory run failed; the entry keeps its value until its time to live.")]
    public static partial void RefreshFailed(ILogger logger, string cacheName, Exception exception);

    [LoggerMessage(EventId = 2006, EventName = "WarmKeyFailed", Level = LogLevel.Warning,
        Message = "Cache '{CacheName}': warming a key failed; warming goes on with the others.")]
    public static partial void WarmKeyFailed(ILogger logger, string cacheName, Exception exception);
}
