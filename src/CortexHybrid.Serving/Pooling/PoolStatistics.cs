namespace CortexHybrid.Pooling;

/// <summary>
/// A snapshot of a <see cref="ResourcePool{T}"/>'s figures, from <see cref="ResourcePool{T}.GetStatistics"/>.
/// The counters are read one by one while the pool runs, so under load they are each exact but
/// not taken at one instant.
/// </summary>
public sealed record PoolStatistics
{
    /// <summary>The most resources the pool may hold (<see cref="ResourcePoolOptions.MaxSize"/>).</summary>
    public required int MaxSize { get; init; }

    /// <summary>Resources created since the pool was.</summary>
    public required long TotalCreated { get; init; }

    /// <summary>Resources destroyed since the pool was created.</summary>
    public required long TotalDestroyed { get; init; }

    /// <summary>Resources held by callers (or being reset, checked or handed over).</summary>
    public required int Active { get; init; }

    /// <summary>Resources waiting in the pool for a caller.</summary>
    public required int Idle { get; init; }

    /// <summary>Resources being created now.</summary>
    public required int Creating { get; init; }

    /// <summary>Callers waiting for a resource now.</summary>
    public required int Waiting { get; init; }

    /// <summary>
    /// Calls to <see cref="ResourcePool{T}.AcquireAsync"/> that have finished: <see cref="SuccessfulAcquisitions"/>
    /// plus <see cref="FailedAcquisitions"/> (a caller still waiting counts once it is served or fails).
    /// </summary>
    public required long TotalRequests { get; init; }

    /// <summary>Acquires that returned a resource.</summary>
    public required long SuccessfulAcquisitions { get; init; }

    /// <summary>Acquires that threw: timed out, rejected, cancelled, the factory failed, or the pool was disposed.</summary>
    public required long FailedAcquisitions { get; init; }

    /// <summary>Acquires that timed out or were rejected with <see cref="PoolExhaustedException"/>.</summary>
    public required long Timeouts { get; init; }

    /// <summary>Calls to <see cref="IResourceFactory{T}.CreateAsync"/> that threw.</summary>
    public required long CreationFailures { get; init; }

    /// <summary>Resources returned with <see cref="PooledResource{T}.MarkBroken"/>.</summary>
    public required long BrokenReturns { get; init; }

    /// <summary>
    /// Resources destroyed because <see cref="IResourceFactory{T}.ValidateAsync"/> said no or threw,
    /// or <see cref="IResourceFactory{T}.ResetAsync"/> threw.
    /// </summary>
    public required long FailedHealthChecks { get; init; }

    /// <summary>Calls to <see cref="IResourceFactory{T}.DestroyAsync"/> that threw (the resource is gone all the same).</summary>
    public required long DestroyFailures { get; init; }

    /// <summary>Resources reported through <see cref="ResourcePool{T}.LeakDetected"/>.</summary>
    public required long LeaksDetected { get; init; }

    /// <summary>The mean time a successful acquire took, counting those served at once as zero.</summary>
    public required TimeSpan AverageWaitTime { get; init; }

    /// <summary>The most resources the pool has held at once.</summary>
    public required int PeakSize { get; init; }

    /// <summary>When an acquire last timed out or was rejected (the pool was exhausted), on the pool's clock; null if never.</summary>
    public DateTimeOffset? LastExhaustedAt { get; init; }

    /// <summary>Whether the most recent attempt to create a resource failed (no creation has succeeded since): the factory is failing.</summary>
    public bool FactoryFailing { get; init; }

    /// <summary>The resources held now: <see cref="Active"/> + <see cref="Idle"/>.</summary>
    public int Size => Active + Idle;

    /// <summary><see cref="Active"/> as a share of <see cref="MaxSize"/>, from 0 to 1.</summary>
    public double UtilizationRate => (double)Active / MaxSize;

    /// <summary><see cref="SuccessfulAcquisitions"/> as a share of <see cref="TotalRequests"/> (1 before any request).</summary>
    public double SuccessRate => TotalRequests == 0 ? 1.0 : (double)SuccessfulAcquisitions / TotalRequests;
}
