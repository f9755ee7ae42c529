namespace CortexHybrid.Caching.Policies;

/// <summary>Which list of its level 1 policy an entry is on. Changed only under the cache's lock.</summary>
internal enum Level1Region : byte
{
    /// <summary>The only list of <see cref="LruPolicy"/>; W-TinyLFU's admission window.</summary>
    Window,

    /// <summary>W-TinyLFU main region, entries not read since they were admitted (or demoted from protected).</summary>
    Probation,

    /// <summary>W-TinyLFU main region, entries read while on probation.</summary>
    Protected,
}
