using System.Diagnostics;

namespace CortexHybrid.Pooling;

/// <summary>
/// A resource held longer than <see cref="ResourcePoolOptions.LeakDetectionThreshold"/>: reported
/// once per acquisition by <see cref="ResourcePool{T}.LeakDetected"/>.
/// </summary>
public sealed class ResourceLeakEventArgs : EventArgs
{
    internal ResourceLeakEventArgs(string poolName, TimeSpan heldFor, StackTrace acquiredAt)
    {
        PoolName = poolName;
        HeldFor = heldFor;
        AcquiredAt = acquiredAt;
    }

    /// <summary>The pool's <see cref="ResourcePoolOptions.Name"/>.</summary>
    public string PoolName { get; }

    /// <summary>How long the resource had been held when the leak was detected.</summary>
    public TimeSpan HeldFor { get; }

    /// <summary>The stack of the <see cref="ResourcePool{T}.AcquireAsync"/> call that took it.</summary>
    public StackTrace AcquiredAt { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"A resource from pool '{PoolName}' has been held for {HeldFor} without being returned. It was acquired at:{Environment.NewLine}{AcquiredAt}";
}
