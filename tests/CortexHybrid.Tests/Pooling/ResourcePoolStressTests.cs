using CortexHybrid.Pooling;

namespace CortexHybrid.Tests.Pooling;

public sealed class ResourcePoolStressTests
{
    [Fact]
    public async Task Hammered_by_64_tasks_the_pool_keeps_every_invariant()
    {
        const int MaxSize = 8, Tasks = 64, AcquiresPerTask = 5_000;
        var factory = new FakeResourceFactory
        {
            // Every 50th creation fails.
            CreateFailure = attempt => attempt % 50 == 0 ? new IOException($"creation {attempt} failed") : null,
        };
        var options = new ResourcePoolOptions
        {
            MaxSize = MaxSize,
            MinSize = 2,
            AcquireTimeout = TimeSpan.FromMilliseconds(20),
            HealthCheckInterval = TimeSpan.FromMilliseconds(5),
            MaxLifetime = TimeSpan.FromMilliseconds(200),
            IdleTimeout = TimeSpan.FromMilliseconds(10),
        };
        ResourcePool<FakeResource> pool = await ResourcePool<FakeResource>.CreateAsync(factory, options);
        long successes = 0, timeouts = 0, cancellations = 0, creationFailures = 0, overlaps = 0;

        async Task Client(int seed)
        {
            var random = new Random(seed);
            for (int i = 0; i < AcquiresPerTask; i++)
            {
                int dice = random.Next(100);
                using var cancellation = new CancellationTokenSource();
                if (dice < 3)
                {
                    await cancellation.CancelAsync();
                }
                else if (dice < 6)
                {
                    cancellation.CancelAfter(random.Next(2));
                }

                PooledResource<FakeResource> lease;
                try
                {
                    lease = await pool.AcquireAsync(cancellation.Token);
                }
                catch (PoolExhaustedException)
                {
                    Interlocked.Increment(ref timeouts);
                    continue;
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref cancellations);
                    continue;
                }
                catch (IOException)
                {
                    Interlocked.Increment(ref creationFailures);
                    continue;
                }

                Interlocked.Increment(ref successes);
                FakeResource resource = lease.Value;
                if (Interlocked.Increment(ref resource.Holders) != 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                if (resource.Destroyed)
                {
                    Interlocked.Increment(ref overlaps);
                }

                if (dice >= 95)
                {
                    // Hold long enough that some waiters time out.
                    await Task.Delay(random.Next(1, 30));
                }
                else if (dice >= 50)
                {
                    await Task.Yield();
                }

                Interlocked.Decrement(ref resource.Holders);
                if (dice is >= 90 and < 93)
                {
                    lease.MarkBroken();
                }

                if (dice % 2 == 0)
                {
                    lease.Dispose();
                }
                else
                {
                    await lease.DisposeAsync();
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(seed => Task.Run(() => Client(seed))));
        PoolStatistics statistics = pool.GetStatistics();

        Assert.Equal(0, overlaps);
        Assert.InRange(factory.MaxLive, 1, MaxSize);
        Assert.Empty(factory.Violations);
        Assert.Equal(Tasks * AcquiresPerTask, successes + timeouts + cancellations + creationFailures);
        Assert.True(timeouts > 0 && cancellations > 0 && creationFailures > 0, $"not every path ran: {timeouts} timeouts, {cancellations} cancellations, {creationFailures} creation failures");
        Assert.Equal(successes, statistics.SuccessfulAcquisitions);
        Assert.Equal(Tasks * AcquiresPerTask, statistics.TotalRequests);
        Assert.Equal(timeouts, statistics.Timeouts);
        Assert.Equal(0, statistics.Waiting);
        Assert.True(statistics.BrokenReturns > 0);

        // The maintenance may be checking an idle resource right now, so the books are balanced
        // after disposal: every resource lent came back (else it would still be live).
        await pool.DisposeAsync();
        statistics = pool.GetStatistics();
        Assert.Equal(0, factory.Live);
        Assert.Equal((0, 0), (statistics.Active, statistics.Idle));
        Assert.Equal(statistics.TotalCreated, statistics.TotalDestroyed);
        Assert.Equal(factory.Created.Count, statistics.TotalCreated);
        Assert.Equal(factory.Created.Count, factory.DestroyedCount);
    }
}
