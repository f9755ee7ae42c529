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
