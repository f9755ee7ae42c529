using CortexHybrid.Pooling;

namespace CortexHybrid.Tests.Pooling;

public sealed class ResourcePoolAcquireTests
{
    [Fact]
    public async Task Create_warms_MinSize_resources_and_acquire_reuses_them()
    {
        var (pool, factory, _) = await PoolFixture.CreateAsync(PoolFixture.Options(maxSize: 5, minSize: 3));
        await using (pool)
        {
            Assert.Equal(3, factory.Attempts);
            Assert.Equal(3, pool.GetStatistics().Idle);

            for (int i = 0; i < 10; i++)
            {
                using PooledResource<FakeResource> lease = await pool.AcquireAsync();
                Assert.InRange(lease.Value.Id, 1, 3);
            }

            PoolStatistics statistics = pool.GetStatistics();
            Assert.Equal(3, factory.Attempts);
            Assert.Equal(10, statistics.SuccessfulAcquisitions);
            Assert.Equal(10, statistics.TotalRequests);
            Assert.Equal(10, factory.Created.Sum(r => r.Resets));
            Assert.Equal(1.0, statistics.SuccessRate);
        }
    }

    [Fact]
    public async Task Acquire_creates_up_to_MaxSize_then_waits_for_a_return()
    {
        var (pool, factory, _) = await PoolFixture.CreateAsync(PoolFixture.Options(maxSize: 2));
        await using (pool)
        {
            PooledResource<FakeResource> first = await pool.AcquireAsync();
            PooledResource<FakeResource> second = await pool.AcquireAsync();
            Assert.NotEqual(first.Value.Id, second.Value.Id);

            Task<PooledResource<FakeResource>> third = pool.AcquireAsync().AsTask();
            await PoolFixture.AssertPendingAsync(third);
            Assert.Equal(2, factory.Attempts);
            Assert.Equal(1, pool.GetStatistics().Waiting);

            int secondId = second.Value.Id;
            second.Dispose();
            using PooledResource<FakeResource> handedOver = await third;
            Assert.Equal(secondId, handedOver.Value.Id);
            Assert.Equal(2, pool.GetStatistics().PeakSize);
            first.Dispose();
        }
    }

    [Fact]
    public async Task Waiters_are_served_first_come_first_served()
    {
        var (pool, _, _) = await PoolFixture.CreateAsync(PoolFixture.Options(maxSize: 1));
        await using (pool)
        {
            PooledResource<FakeResource> held = await pool.AcquireAsync();
            var order = new List<int>();
            var waiters = new List<Task>();
            for (int i = 0; i < 5; i++)
            {
                int caller = i;
                waiters.Add(Task.Run(async () =>
                {
                    using PooledResource<FakeResource> lease = await pool.AcquireAsync();
                    lock (order)
                    {
                        order.Add(caller);
                    }
                }));

                // Each caller is in line before the next one starts.
                SpinWait.SpinUntil(() => pool.GetStatistics().Waiting == caller + 1, TimeSpan.FromSeconds(10));
                Assert.Equal(caller + 1, pool.GetStatistics().Waiting);
            }

            held.Dispose();
            await Task.WhenAll(waiters);
            Assert.Equal([0, 1, 2, 3, 4], order);
        }
    }

    [Fact]
    public async Task A_new_caller_does_not_jump_the_line()
    {
        var (pool, _, _) = await PoolFixture.CreateAsync(PoolFixture.Options(maxSize: 1));
        await using (pool)
        {
            PooledResource<FakeResource> held = await pool.AcquireAsync();
            Task<PooledResource<FakeResource>> waiting = pool.AcquireAsync().AsTask();
            await PoolFixture.AssertPendingAsync(waiting);

            // The return goes straight to the waiter, so a caller arriving now finds nothing idle.
            held.Dispose();
            Task<PooledResource<FakeResource>> late = pool.AcquireAsync().AsTask();
            using (PooledResource<FakeResource> first = await waiting)
            {
                await PoolFixture.AssertPendingAsync(late);
            }

            using PooledResource<FakeResource> second = await late;
            Assert.True(second.IsHeld);
        }
    }

    [Fact]
    public async Task A_timed_out_acquire_throws_PoolExhaustedException_saying_what_to_change()
    {
        var (pool, factory, time) = await PoolFixture.CreateAsync(PoolFixture.Options(maxSize: 1));
        await using (pool)
        {
            PooledResource<FakeResource> held = await pool.AcquireAsync();
            Task<PooledResource<FakeResource>> waiting = pool.AcquireAsync().AsTask();
            await PoolFixture.AssertPendingAsync(waiting);

            time.Advance(TimeSpan.FromSeconds(29));
            await PoolFixture.AssertPendingAsync(waiting);
            time.Advance(TimeSpan.FromSeconds(1));

            PoolExhaustedException exception = await Assert.ThrowsAsync<PoolExhaustedException>(() => waiting);
            Assert.IsAssignableFrom<TimeoutException>(exception);
            Assert.Contains("MaxSize", exception.Message);
            Assert.Contains("AcquireTimeout", exception.Message);
            Assert.Contains("00:00:30", exception.Message);

            // The timed-out caller took nothing with it: the next return goes idle, then to the next caller.
            int heldId = held.Value.Id;
            held.Dispose();
            PoolStatistics statistics = pool.GetStatistics();
            Assert.Equal((0, 1, 1L, 1L), (statistics.Waiting, statistics.Idle, statistics.Timeouts, statistics.FailedAcquisitions));
            using PooledResource<FakeResource> next = await pool.AcquireAsync();
            Assert.Equal(heldId, next.Value.Id);
            Assert.Equal(1, factory.Attempts);
        }
    }

    [Fact]
    public async Task A_cancelled_acquire_throws_and_leaves_the_line()
    {
        var (pool, _, _) = await PoolFixture.CreateAsync(PoolFixture.Options(maxSize: 1));
        await using (pool)
        {
            PooledResource<FakeResource> held = await pool.AcquireAsync();
            using var cancellation = new CancellationTokenSource();
            Task<PooledResource<FakeResource>> cancelled = pool.AcquireAsync(cancellation.Token).AsTask();
            Task<PooledResource<FakeResource>> behind = pool.AcquireAsync().AsTask();
            await PoolFixture.AssertPendingAsync(behind);
            Assert.Equal(2, pool.GetStatistics().Waiting);

            await cancellation.CancelAsync();
            OperationCanceledException exception = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
            Assert.Equal(cancellation.Token, exception.CancellationToken);
            Assert.Equal(1, pool.GetStatistics().Waiting);

            held.Dispose();
            using PooledResource<FakeResource> served = await behind;
            Assert.True(served.IsHeld);
        }
    }

    [Fact]
    public async Task An_already_cancelled_token_throws_at_once_even_with_a_resource_idle()
    {
        var (pool, _, _) = await PoolFixture.CreateAsync(PoolFixture.Options(maxSize: 1, minSize: 1));
        await using (pool)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.AcquireAsync(new CancellationToken(canceled: true)).AsTask());
            Assert.Equal(1, pool.GetStatistics().Idle);
        }
    }

    [Fact]
    public async Task MaxWaiters_rejects_at_once_beyond_the_line()
    {
        ResourcePoolOptions options = PoolFixture.Options(maxSize: 1);
        options.MaxWaiters = 1;
        var (pool, _, _) = await PoolFixture.CreateAsync(options);
        await using (pool)
        {
            using PooledResource<FakeResource> held = await pool.AcquireAsync();
            Task<PooledResource<FakeResource>> waiting = pool.AcquireAsync().AsTask();
            await PoolFixture.AssertPendingAsync(waiting);

            // No clock advance: the rejection does not wait.
            PoolExhaustedException rejected = await Assert.ThrowsAsync<PoolExhaustedException>(() => pool.AcquireAsync().AsTask());
            Assert.Contains("MaxWaiters", rejected.Message);
            Assert.False(waiting.IsCompleted);
        }
    }

    [Fact]
    public async Task A_factory_that_throws_fails_that_caller_and_the_pool_stays_usable()
    {
        var (pool, factory, _) = await PoolFixture.CreateAsync(PoolFixture.Options(maxSize: 1));
        await using (pool)
        {
            factory.CreateFailure = attempt => attempt == 1 ? new IOException("connection refused") : null;

            IOException exception = await Assert.ThrowsAsync<IOException>(() => pool.AcquireAsync().AsTask());
            Assert.Equal("connection refused", exception.Message);

            // The failed creation gave its room back: MaxSize 1 still creates.
            using PooledResource<FakeResource> lease = await pool.AcquireAsync();
            PoolStatistics statistics = pool.GetStatistics();
            Assert.Equal((1L, 1L, 1L, 1L), (statistics.CreationFailures, statistics.FailedAcquisitions, statistics.SuccessfulAcquisitions, statistics.TotalCreated));
        }
    }

    [Fact]
    public async Task A_waiter_creates_when_a_destroyed_resource_frees_room()
    {
        var (pool, factory, _) = await PoolFixture.CreateAsync(PoolFixture.Options(maxSize: 1));
        await using (pool)
        {
            PooledResource<FakeResource> held = await pool.AcquireAsync();
            Task<PooledResource<FakeResource>> waiting = pool.AcquireAsync().AsTask();
            await PoolFixture.AssertPendingAsync(waiting);

            held.MarkBroken();
            held.Dispose();
            using PooledResource<FakeResource> replacement = await waiting;
            Assert.Equal(2, replacement.Value.Id);
            Assert.True(factory.Created.First().Destroyed);
            Assert.Equal(1L, pool.GetStatistics().BrokenReturns);
            Assert.Equal(1, factory.MaxLive);
        }
    }

    [Fact]
    public async Task Returning_twice_or_through_a_copy_is_harmless_and_a_stale_copy_cannot_use_the_resource()
    {
        var (pool, factory, _) = await PoolFixture.CreateAsync(PoolFixture.Options(maxSize: 2));
        await using (pool)
        {
            PooledResource<FakeResource> lease = await pool.AcquireAsync();
            PooledResource<FakeResource> copy = lease;
            lease.Dispose();
            lease.Dispose();
            await copy.DisposeAsync();
            Assert.Equal(1, pool.GetStatistics().Idle);
            Assert.Equal(1, factory.Created.Single().Resets);

            using PooledResource<FakeResource> again = await pool.AcquireAsync();
            Assert.Same(factory.Created.Single(), again.Value);
            Assert.False(copy.IsHeld);
            Assert.Throws<ObjectDisposedException>(() => copy.Value);

            // A stale copy's dispose or broken mark must not touch the new loan.
            copy.MarkBroken();
            copy.Dispose();
            Assert.True(again.IsHeld);
            Assert.Equal(0, pool.GetStatistics().Idle);
        }
    }

    [Fact]
    public async Task A_default_PooledResource_is_inert()
    {
        PooledResource<FakeResource> none = default;
        Assert.False(none.IsHeld);
        Assert.Throws<InvalidOperationException>(() => none.Value);
        none.MarkBroken();
        none.Dispose();
        await none.DisposeAsync();
    }

    [Fact]
    public async Task A_resource_whose_reset_throws_is_destroyed_not_reused()
    {
        var (pool, factory, _) = await PoolFixture.CreateAsync(PoolFixture.Options(maxSize: 2));
        await using (pool)
        {
            PooledResource<FakeResource> lease = await pool.AcquireAsync();
            lease.Value.FailReset = true;
            await lease.DisposeAsync();

            Assert.True(factory.Created.Single().Destroyed);
            PoolStatistics statistics = pool.GetStatistics();
            Assert.Equal((0, 1L, 1L), (statistics.Idle, statistics.FailedHealthChecks, statistics.TotalDestroyed));
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(2, 3)]
    [InlineData(2, -1)]
    public async Task Out_of_range_sizes_are_rejected_with_the_option_named(int maxSize, int minSize)
    {
        var options = new ResourcePoolOptions { MaxSize = maxSize, MinSize = minSize };
        ArgumentOutOfRangeException exception = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => ResourcePool<FakeResource>.CreateAsync(new FakeResourceFactory(), options));
        Assert.Equal(maxSize < 1 ? "MaxSize" : "MinSize", exception.ParamName);
    }

    [Fact]
    public async Task Non_positive_timeouts_are_rejected_and_infinite_ones_accepted()
    {
        var factory = new FakeResourceFactory();
        ArgumentOutOfRangeException exception = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => ResourcePool<FakeResource>.CreateAsync(factory, new ResourcePoolOptions { AcquireTimeout = TimeSpan.Zero }));
        Assert.Equal("AcquireTimeout", exception.ParamName);

        await using ResourcePool<FakeResource> pool = await ResourcePool<FakeResource>.CreateAsync(
            factory, new ResourcePoolOptions { MinSize = 0, AcquireTimeout = Timeout.InfiniteTimeSpan, HealthCheckInterval = Timeout.InfiniteTimeSpan });
        using PooledResource<FakeResource> lease = await pool.AcquireAsync();
        Assert.True(lease.IsHeld);
    }

    [Fact]
    public async Task A_warm_up_failure_throws_and_destroys_what_was_created()
    {
        var factory = new FakeResourceFactory { CreateFailure = attempt => attempt == 3 ? new IOException("third failed") : null };
        await Assert.ThrowsAsync<IOException>(
            () => ResourcePool<FakeResource>.CreateAsync(factory, PoolFixture.Options(maxSize: 5, minSize: 4)));
        Assert.Equal(0, factory.Live);
        Assert.All(factory.Created, resource => Assert.True(resource.Destroyed));
    }

    [Fact]
    public async Task Acquiring_and_returning_an_idle_resource_completes_synchronously_and_allocates_nothing()
    {
        var (pool, _, _) = await PoolFixture.CreateAsync(PoolFixture.Options(maxSize: 2, minSize: 1));
        await using (pool)
        {
            AcquireAndReturnIdle(pool, times: 100); // JIT and tiering first

            long before = GC.GetAllocatedBytesForCurrentThread();
            AcquireAndReturnIdle(pool, times: 1_000);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(0, allocated);
            Assert.Equal(1, pool.GetStatistics().TotalCreated);
        }
    }

    private static void AcquireAndReturnIdle(ResourcePool<FakeResource> pool, int times)
    {
        for (int i = 0; i < times; i++)
        {
            ValueTask<PooledResource<FakeResource>> acquiring = pool.AcquireAsync();
            Assert.True(acquiring.IsCompletedSuccessfully, "an idle resource should be handed out synchronously");
            using PooledResource<FakeResource> lease = acquiring.Result;
        }
    }
}
