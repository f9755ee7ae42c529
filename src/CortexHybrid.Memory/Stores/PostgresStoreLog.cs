using Microsoft.Extensions.Logging;

namespace CortexHybrid.Memory.Stores;

/// <summary>
/// What a <see cref="PostgresMemoryStore"/> logs (event ids 5101–5199, stable): its change feeds'
/// lost connections and reconnections, and pooled connections found dead and replaced. Reasons are one line, with the password redacted; no
/// exception (and so no connection string) is logged.
/// </summary>
internal static partial class PostgresStoreLog
{
    [LoggerMessage(EventId = 5101, EventName = "ChangeFeedConnectionLost", Level = LogLevel.Warning,
        Message = "The change feed of the {Store} has no connection ({Reason}); trying again in {Delay}, then reading the changes after {Sequence}.")]
    public static partial void ChangeFeedConnectionLost(ILogger logger, string store, string reason, TimeSpan delay, long sequence);

    [LoggerMessage(EventId = 5102, EventName = "ChangeFeedReconnected", Level = LogLevel.Information,
        Message = "The change feed of the {Store} is connected again after {Elapsed}; reading the changes after {Sequence}.")]
    public static partial void ChangeFeedReconnected(ILogger logger, string store, TimeSpan elapsed, long sequence);

    [LoggerMessage(EventId = 5103, EventName = "BrokenConnectionReplaced", Level = LogLevel.Warning,
        Message = "A pooled connection of the {Store} was dead ({Reason}), as after a server restart; the pool was cleared and the call ran again on a new connection.")]
    public static partial void BrokenConnectionReplaced(ILogger logger, string store, string reason);
}
