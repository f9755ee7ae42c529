using CortexHybrid.Pooling;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Pooling;

/// <summary>A pool of fake resources on a fake clock.</summary>
internal static class PoolFixture
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);

    public static ResourcePoolOptions Options(int maxSize = 4, int minSize = 0) => new()
    {
        MaxSize = maxSize,
        MinSize = minSize,
        AcquireTimeout = TimeSpan.FromSeconds(30),
        HealthCheckInterval = Interval,
    };

    public static async Task<(ResourcePool<FakeResource> Pool, FakeResourceFactory Factory, FakeTimeProvider Time)> CreateAsync(ResourcePoolOptions options)
    {
        var factory = new FakeResourceFactory();
        var time = new FakeTimeProvider();
        ResourcePool<FakeResource> pool = await ResourcePool<FakeResource>.CreateAsync(factory, options, time);
        return (pool, factory, time);
    }

    /// <summary>Moves the fake clock and waits for the maintenance run it started.</summary>
    public static async Task AdvanceAsync(this FakeTimeProvider time, ResourcePool<FakeResource> pool, TimeSpan by)
    {
        time.Advance(by);
        await pool.Maintenance;
    }

    /// <summary>A task that has not completed shortly after it would have, had nothing blocked it.</summary>
    public static async Task AssertPendingAsync(Task task)
    {
        await Task.Delay(50);
        Assert.False(task.IsCompleted, "the call completed; it should still be waiting");
    }
}
