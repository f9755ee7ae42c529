namespace CortexHybrid.Caching;

/// <summary>
/// A small number per value type, so that <see cref="TieredHybridCache"/> finds its codec for a type
/// by indexing an array (a static read and a bounds check) rather than hashing the <see cref="Type"/>
/// on every hit.
/// </summary>
internal static class HybridTypeSlot
{
    private static int _last = -1;

    /// <summary>The next unused number.</summary>
    public static int Next() => Interlocked.Increment(ref _last);
}

/// <summary>The number of <typeparamref name="T"/>, the same for every adapter in the process.</summary>
/// <typeparam name="T">The value type.</typeparam>
internal static class HybridTypeSlot<T>
{
    public static readonly int Index = HybridTypeSlot.Next();
}
