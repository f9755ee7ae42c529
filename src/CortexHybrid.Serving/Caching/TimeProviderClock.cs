using Microsoft.Extensions.Internal;

namespace CortexHybrid.Caching;

/// <summary>
/// Lets the default level 3 (<see cref="Microsoft.Extensions.Caching.Distributed.MemoryDistributedCache"/>),
/// which takes the older <see cref="ISystemClock"/>, run on the cache's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class TimeProviderClock(TimeProvider time) : ISystemClock
{
    public DateTimeOffset UtcNow => time.GetUtcNow();
}

/// <summary>
/// A clock that always says the same time, for a <see cref="Microsoft.Extensions.Caching.Memory.MemoryCache"/>
/// that is given no expirations and no size limit: it then reads the time only to stamp
/// LastAccessed and to schedule expiration scans, neither of which has anything to do.
/// </summary>
internal sealed class FrozenClock : ISystemClock
{
    public static readonly FrozenClock Instance = new();

    public DateTimeOffset UtcNow => DateTimeOffset.UnixEpoch;
}
