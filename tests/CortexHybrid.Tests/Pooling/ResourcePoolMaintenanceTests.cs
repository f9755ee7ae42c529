using CortexHybrid.Pooling;

namespace CortexHybrid.Tests.Pooling;

public sealed class ResourcePoolMaintenanceTests
{
    [Fact]
    public async Task Resources_past_MaxLifetime_are_destroyed_idle_or_on_return_and_MinSize_refilled()
    {
        ResourcePoolOptions options = PoolFixture.Options(maxSize: 4, minSize: 2);
        options.MaxLifetime = TimeSpan.FromMinutes(10);
        var (pool, factory, time) = await PoolFixture.CreateAsync(options);
        await using (pool)
        {
            PooledResource<FakeResource> held = await pool.AcquireAsync();

            // Nine minutes: younger than any lifetime (10 min less at most 2.5%).
            await time.AdvanceAsync(pool, TimeSpan.FromMinutes(9));
            Assert.Equal(2, factory.Attempts);

            // Eleven minutes: the idle one is destroyed and replaced by the maintenance run,
            // the one on loan when it comes back.
            await time.AdvanceAsync(pool, TimeSpan.FromMinutes(2));
            FakeResource[] originals = factory.Created.Take(2).ToArray();
            FakeResource idleOriginal = originals.Single(r => r != held.Value);
            Assert.True(idleOriginal.Destroyed);
            Assert.False(held.Value.Destroyed);

            FakeResource heldValue = held.Value;
            held.Dispose();
            Assert.True(heldValue.Destroyed);

            await time.AdvanceAsync(pool, PoolFixture.Interval);
            Assert.Equal(2, pool.GetStatistics().Idle);
            Assert.All(factory.Created.Skip(2), r => Assert.False(r.Destroyed));
            Assert.Equal(factory.Live, pool.GetStatistics().Size);
        }
    }

    [Fact]
    public async Task Lifetimes_are_spread_so_resources_created_together_do_not_expire_together()
    {
        // Per resource: MaxLifetime less up to 2.5%. Forty resources with a 40-minute lifetime:
        // expiries spread over the last minute, so the maintenance runs each 5 s retire them over several runs.
        ResourcePoolOptions options = PoolFixture.Options(maxSize: 40, minSize: 40);
        options.MaxLifetime = TimeSpan.FromMinutes(40);
        options.HealthCheckInterval = TimeSpan.FromSeconds(5);
        options.IdleTimeout = Timeout.InfiniteTimeSpan;
        var (pool, factory, time) = await PoolFixture.CreateAsync(options);
        await using (pool)
        {
            await time.AdvanceAsync(pool, TimeSpan.FromMinutes(39) - TimeSpan.FromSeconds(5));
            Assert.Equal(0, factory.DestroyedCount);

            var destroyedPerRun = new List<int>();
            for (int run = 0; run < 13; run++)
            {
                int before = factory.DestroyedCount;
                await time.AdvanceAsync(pool, options.HealthCheckInterval);
                destroyedPerRun.Add(factory.DestroyedCount - before);
            }

            Assert.Equal(40, destroyedPerRun.Sum());
            Assert.True(destroyedPerRun.Count(n => n > 0) >= 5, $"expiries were bunched: {string.Join(",", destroyedPerRun)}");
        }
    }

    [Fact]
    public async Task Idle_resources_above_MinSize_are_retired_after_IdleTimeout_never_before()
    {
        ResourcePoolOptions options = PoolFixture.Options(maxSize: 6, minSize: 2);
        options.IdleTimeout = TimeSpan.FromMinutes(5);
        var (pool, factory, time) = await PoolFixture.CreateAsync(options);
        await using (pool)
        {
            // A burst: six at once, all returned at t = 0.
            var leases = new List<PooledResource<FakeResource>>();
            for (int i = 0; i < 6; i++)
            {
                leases.Add(await pool.AcquireAsync());
            }

            leases.ForEach(l => l.Dispose());
            for (int minute = 1; minute <= 5; minute++)
            {
                await time.AdvanceAsync(pool, PoolFixture.Interval);
                Assert.Equal(6, pool.GetStatistics().Idle);
            }

            // Past IdleTimeout (by at most two maintenance intervals): back down to MinSize, not below.
            await time.AdvanceAsync(pool, PoolFixture.Interval);
            await time.AdvanceAsync(pool, PoolFixture.Interval);
            Assert.Equal(2, pool.GetStatistics().Idle);
            Assert.Equal(4, factory.DestroyedCount);
            await time.AdvanceAsync(pool, TimeSpan.FromMinutes(30));
            Assert.Equal(2, pool.GetStatistics().Idle);
        }
    }

    [Fact]
    public async Task The_health_check_destroys_unhealthy_idle_resources_and_refills()
    {
        var (pool, factory, time) = await PoolFixture.CreateAsync(PoolFixture.Options(maxSize: 4, minSize: 3));
        await using (pool)
        {
            FakeResource sick = factory.Created.ElementAt(1);
            sick.Healthy = false;

            await time.AdvanceAsync(pool, PoolFixture.Interval);

            Assert.True(sick.Destroyed);
            Assert.Equal(3, factory.Validations);
            PoolStatistics statistics = pool.GetStatistics();
            Assert.Equal((3, 1L, 4L), (statistics.Idle, statistics.FailedHealthChecks, statistics.TotalCreated));
            for (int i = 0; i < 3; i++)
            {
                using PooledResource<FakeResource> lease = await pool.AcquireAsync();
                Assert.NotSame(sick, lease.Value);
            }
        }
    }

    [Fact]
    public async Task ValidateOnAcquire_replaces_an_unhealthy_resource_before_the_caller_sees_it()
    {
        ResourcePoolOptions options = PoolFixture.Options(maxSize: 2, minSize: 1);
        options.ValidateOnAcquire = true;
        var (pool, factory, _) = await PoolFixture.CreateAsync(options);
        await using (pool)
        {
            FakeResource first = factory.Created.Single();
            first.Healthy = false;

            using PooledResource<FakeResource> lease = await pool.AcquireAsync();
            Assert.NotSame(first, lease.Value);
            Assert.True(first.Destroyed);
            Assert.Equal(1L, pool.GetStatistics().FailedHealthChecks);
        }
    }

    [Fact]
    public async Task Refill_failures_are_counted_and_retried_on_the_next_run()
    {
        var (pool, factory, time) = await PoolFixture.CreateAsync(PoolFixture.Options(maxSize: 4, minSize: 2));
        await using (pool)
        {
            factory.Created.First().Healthy = false;
            factory.CreateFailure = _ => new IOException("down");
            await time.AdvanceAsync(pool, PoolFixture.Interval);
            Assert.Equal(1, pool.GetStatistics().Idle);
            Assert.Equal(1L, pool.GetStatistics().CreationFailures);

            factory.CreateFailure = null;
            await time.AdvanceAsync(pool, PoolFixture.Interval);
            Assert.Equal(2, pool.GetStatistics().Idle);
        }
    }

    [Fact]
    public async Task A_leak_is_reported_once_with_the_stack_that_acquired_it()
    {
        ResourcePoolOptions options = PoolFixture.Options(maxSize: 2);
        options.LeakDetectionThreshold = TimeSpan.FromSeconds(8);
        var (pool, _, time) = await PoolFixture.CreateAsync(options);
        await using (pool)
        {
            var reports = new List<ResourceLeakEventArgs>();
            pool.LeakDetected += (_, leak) => reports.Add(leak);

            PooledResource<FakeResource> leaked = await AcquireAndForgetAsync(pool);
            using (PooledResource<FakeResource> returnedInTime = await pool.AcquireAsync())
            {
                time.Advance(TimeSpan.FromSeconds(6));
            }

            Assert.Empty(reports);
            time.Advance(TimeSpan.FromSeconds(4));
            ResourceLeakEventArgs report = Assert.Single(reports);
            Assert.InRange(report.HeldFor, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(10));
            Assert.Contains(nameof(AcquireAndForgetAsync), report.AcquiredAt.ToString());
            Assert.Contains(nameof(AcquireAndForgetAsync), report.ToString());

            time.Advance(TimeSpan.FromMinutes(1));
            Assert.Single(reports);
            Assert.Equal(1L, pool.GetStatistics().LeaksDetected);
            leaked.Dispose();
        }
    }

    private static async Task<PooledResource<FakeResource>> AcquireAndForgetAsync(ResourcePool<FakeResource> pool) =>
        await pool.AcquireAsync();
}
