using System.Diagnostics;

namespace CortexHybrid.Pooling;

/// <summary>One resource the pool holds, with what the pool knows of it.</summary>
internal sealed class PoolEntry<T>
{
    public PoolEntry(ResourcePool<T> pool, T value, long expiresAt)
    {
        Pool = pool;
        Value = value;
        ExpiresAt = expiresAt;
    }

    public ResourcePool<T> Pool { get; }

    public T Value { get; }

    /// <summary>The <see cref="TimeProvider"/> timestamp after which it is destroyed, not reused (long.MaxValue: never).</summary>
    public long ExpiresAt { get; }

    /// <summary>
    /// Which loan holds it. Returning moves it on by compare-and-swap, so a loan returns once and
    /// stale <see cref="PooledResource{T}"/> copies no longer match.
    /// </summary>
    public int Lease;

    /// <summary>
    /// Times this entry was handed out. Written only by the caller that just took it (no other
    /// thread can), so a plain increment: the pool sums these instead of sharing one interlocked counter.
    /// </summary>
    public long Leases;

    /// <summary>Set by <see cref="PooledResource{T}.MarkBroken"/>; read when the loan is returned.</summary>
    public volatile bool Broken;

    /// <summary>The maintenance tick at which it last became idle (the idle-timeout clock).</summary>
    public long IdleSinceTick;

    /// <summary>The idle slot it was last put in (valid while it is idle).</summary>
    public int IdleSlot = -1;

    /// <summary>Where it sits in the pool's registry of every live resource.</summary>
    public int RegistryIndex = -1;

    /// <summary>When leak detection is on: the timestamp and stack of the current loan.</summary>
    public long AcquiredAt;

    /// <inheritdoc cref="AcquiredAt" />
    public StackTrace? AcquiredStack;

    /// <summary>The lease whose leak was reported (a leak is reported once per loan).</summary>
    public int LeakReportedLease = -1;
}
