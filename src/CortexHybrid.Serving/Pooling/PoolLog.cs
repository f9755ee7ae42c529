using Microsoft.Extensions.Logging;

namespace CortexHybrid.Pooling;

/// <summary>
/// What a <see cref="ResourcePool{T}"/> logs (event ids 1001–1099, stable). Only failures are
/// logged; an acquire, a return or a maintenance run that succeeds logs nothing.
/// </summary>
internal static partial class PoolLog
{
    [LoggerMessage(EventId = 1001, EventName = "ResourceCreationFailed", Level = LogLevel.Warning,
        Message = "Pool '{PoolName}': the resource factory failed to create a resource.")]
    public static partial void ResourceCreationFailed(ILogger logger, string poolName, Exception exception);

    [LoggerMessage(EventId = 1002, EventName = "ResourceHealthCheckFailed", Level = LogLevel.Warning,
        Message = "Pool '{PoolName}': a resource failed its health check and was destroyed.")]
    public static partial void ResourceHealthCheckFailed(ILogger logger, string poolName, Exception? exception);

    [LoggerMessage(EventId = 1003, EventName = "ResourceResetFailed", Level = LogLevel.Warning,
        Message = "Pool '{PoolName}': resetting a returned resource failed; it was destroyed.")]
    public static partial void ResourceResetFailed(ILogger logger, string poolName, Exception exception);

    [LoggerMessage(EventId = 1004, EventName = "ResourceLeakDetected", Level = LogLevel.Warning,
        Message = "Pool '{PoolName}': a resource has been held for {HeldFor} without being returned. It was acquired at:\n{AcquiredAt}")]
    public static partial void ResourceLeakDetected(ILogger logger, string poolName, TimeSpan heldFor, string acquiredAt);

    [LoggerMessage(EventId = 1005, EventName = "PoolExhausted", Level = LogLevel.Warning,
        Message = "Pool '{PoolName}' is exhausted: {Reason}")]
    public static partial void PoolExhausted(ILogger logger, string poolName, string reason);

    [LoggerMessage(EventId = 1006, EventName = "ResourceDestroyFailed", Level = LogLevel.Warning,
        Message = "Pool '{PoolName}': destroying a resource failed (it is dropped either way).")]
    public static partial void ResourceDestroyFailed(ILogger logger, string poolName, Exception exception);
}
