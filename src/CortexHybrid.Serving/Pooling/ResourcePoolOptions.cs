using CortexHybrid.Validation;

namespace CortexHybrid.Pooling;

/// <summary>
/// Sizes, timeouts and checks of a <see cref="ResourcePool{T}"/>. The defaults are those of the
/// seed design: 10 to 100 resources, 30 s to acquire, 5 min idle, 1 h lifetime, a health check
/// every 60 s.
/// </summary>
public sealed class ResourcePoolOptions
{
    /// <summary>The most resources the pool holds at once, counting those being created and destroyed. At least 1.</summary>
    public int MaxSize { get; set; } = 100;

    /// <summary>
    /// The fewest: created when the pool is, refilled by the background maintenance, and never
    /// pruned for idleness. From 0 to <see cref="MaxSize"/>.
    /// </summary>
    public int MinSize { get; set; } = 10;

    /// <summary>
    /// How long <see cref="ResourcePool{T}.AcquireAsync"/> waits for a resource before it throws
    /// <see cref="PoolExhaustedException"/>. Positive and at most 49 days, or <see cref="Timeout.InfiniteTimeSpan"/>.
    /// </summary>
    public TimeSpan AcquireTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a resource may sit idle while the pool holds more than <see cref="MinSize"/>
    /// before the maintenance destroys it. Positive, or <see cref="Timeout.InfiniteTimeSpan"/>.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a resource lives before it is destroyed instead of reused: less a random offset of
    /// up to 2.5% (at most 30 s), so resources created together do not all expire together.
    /// Positive, or <see cref="Timeout.InfiniteTimeSpan"/>.
    /// </summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How often the background maintenance runs: it destroys idle resources past
    /// <see cref="IdleTimeout"/> or <see cref="MaxLifetime"/> and those failing
    /// <see cref="IResourceFactory{T}.ValidateAsync"/>, then refills to <see cref="MinSize"/>.
    /// Positive and at most 49 days, or <see cref="Timeout.InfiniteTimeSpan"/> for no maintenance.
    /// </summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// When set, a resource held longer than this is reported once through
    /// <see cref="ResourcePool{T}.LeakDetected"/> with the stack where it was acquired. Capturing
    /// that stack costs microseconds per acquire: a diagnostic setting, off by default.
    /// </summary>
    public TimeSpan? LeakDetectionThreshold { get; set; }

    /// <summary>
    /// Whether <see cref="ResourcePool{T}.AcquireAsync"/> runs the health check on an idle resource
    /// before handing it out (one round trip per acquire for a connection). Off: the check runs in
    /// the background only.
    /// </summary>
    public bool ValidateOnAcquire { get; set; }

    /// <summary>
    /// When set, the most callers that may wait at once; one more is rejected at once with
    /// <see cref="PoolExhaustedException"/>. 0 means never wait.
    /// </summary>
    public int? MaxWaiters { get; set; }

    /// <summary>A name for messages and the <c>cortex.pool.name</c> tag of the pool's metrics.</summary>
    public string Name { get; set; } = "default";

    /// <summary>A copy, so that changing these options after the pool is created changes nothing.</summary>
    internal ResourcePoolOptions Validated()
    {
        Check().ThrowIfAny();
        return (ResourcePoolOptions)MemberwiseClone();
    }

    /// <summary>Every setting out of range, with what is allowed.</summary>
    internal SettingRules Check()
    {
        var rules = new SettingRules();
        rules.AtLeast(MaxSize, 1, nameof(MaxSize));
        rules.Require(MinSize >= 0 && MinSize <= MaxSize, nameof(MinSize), MinSize, $"MinSize must be from 0 to MaxSize ({MaxSize}).");
        rules.TimerSpan(AcquireTimeout, nameof(AcquireTimeout));
        rules.PositiveOrInfinite(IdleTimeout, nameof(IdleTimeout));
        rules.PositiveOrInfinite(MaxLifetime, nameof(MaxLifetime));
        rules.TimerSpan(HealthCheckInterval, nameof(HealthCheckInterval));
        rules.Require(
            LeakDetectionThreshold is not TimeSpan threshold || (threshold > TimeSpan.Zero && threshold <= SettingRules.MaxTimerSpan),
            nameof(LeakDetectionThreshold),
            LeakDetectionThreshold,
            "LeakDetectionThreshold must be positive and at most 49 days (the timer's range), or null for none.");
        rules.Require(MaxWaiters is not < 0, nameof(MaxWaiters), MaxWaiters, "MaxWaiters must be 0 or more, or null for no limit.");
        rules.NotBlank(Name, nameof(Name));
        return rules;
    }
}
