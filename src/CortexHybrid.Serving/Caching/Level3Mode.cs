namespace CortexHybrid.Caching;

/// <summary>What a <see cref="TieredCache"/>'s level 3 is to it: a private overflow, or a store shared by every instance.</summary>
public enum Level3Mode
{
    /// <summary>
    /// Level 3 (any <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/>) holds
    /// what levels 1 and 2 overflow. Levels are exclusive: a promotion takes the key out of level 3;
    /// tags and prefixes reach the keys this process placed there. For one instance.
    /// </summary>
    Overflow = 0,

    /// <summary>
    /// Level 3 is Redis (<see cref="RedisSharedLevel3"/>), written through: every write goes to
    /// level 1 and to Redis with the entry's time to live as its expiry; a read goes L1 ► L2 ► L3;
    /// a promotion leaves the key in Redis; tag and prefix invalidation reach every instance's keys
    /// (the tag → keys relation lives in Redis). With a <see cref="RedisBackplane"/>, every other
    /// instance drops its level 1/2 copy of what one instance changes. For several instances.
    /// </summary>
    Shared = 1,
}
