using CortexHybrid.Pooling;

namespace CortexHybrid.Tests.Pooling;

/// <summary>
/// Spans a timer waits for are bounded by the timer's range (about 49.7 days), and a waiter whose
/// timer cannot be created leaves the line instead of swallowing the next returned resource.
/// </summary>
public sealed class ResourcePoolTimerLimitTests
{
    private static readonly TimeSpan PastTimerRange = TimeSpan.FromDays(50);

    [Theory]
    [InlineData(nameof(ResourcePoolOptions.AcquireTimeout))]
    [InlineData(nameof(ResourcePoolOptions.HealthCheckInterval))]
    [InlineData(nameof(ResourcePoolOptions.LeakDetectionThreshold))]
    public async Task Timer_spans_past_49_days_are_rejected_with_the_option_named(string setting)
    {
        var options = new ResourcePoolOptions();
        typeof(ResourcePoolOptions).GetProperty(setting)!.SetValue(options, PastTimerRange);
        ArgumentOutOfRangeException exception = Assert.Throws<ArgumentOutOfRangeException>(() => ResourcePool<FakeResource>.Create(new FakeResourceFactory(), options));
        Assert.Equal(setting, exception.ParamName);
        Assert.Contains("at most 49 days", exception.Message, StringComparison.Ordinal);

        typeof(ResourcePoolOptions).GetProperty(setting)!.SetValue(options, TimeSpan.FromDays(49));
        await ResourcePool<FakeResource>.Create(new FakeResourceFactory(), options).DisposeAsync();
    }

    [Fact]
    public async Task A_waiter_whose_timer_cannot_be_created_fails_and_the_returned_resource_goes_to_the_next_caller()
    {
        var time = new TimerlessTimeProvider();
        await using ResourcePool<FakeResource> pool = ResourcePool<FakeResource>.Create(
            new FakeResourceFactory(),
            new ResourcePoolOptions { MaxSize = 1, MinSize = 0, HealthCheckInterval = Timeout.InfiniteTimeSpan, AcquireTimeout = TimeSpan.FromSeconds(5) },
            time);
        PooledResource<FakeResource> held = await pool.AcquireAsync();

        time.FailTimers = true;
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await pool.AcquireAsync());
        Assert.Equal(0, pool.GetStatistics().Waiting);
        time.FailTimers = false;

        int id = held.Value.Id;
        await held.DisposeAsync();
        PoolStatistics returned = pool.GetStatistics();
        Assert.Equal(1, returned.Idle);
        Assert.Equal(0, returned.Active);

        using PooledResource<FakeResource> again = (await pool.AcquireAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(id, again.Value.Id);
    }

    /// <summary>The system clock, whose timers can be made to fail to be created.</summary>
    private sealed class TimerlessTimeProvider : TimeProvider
    {
        public volatile bool FailTimers;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            FailTimers ? throw new InvalidOperationException("no timers (test)") : System.CreateTimer(callback, state, dueTime, period);
    }
}
