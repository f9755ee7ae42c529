using CortexHybrid.Pooling;

namespace CortexHybrid.Tests.Pooling;

public sealed class ResourcePoolDisposeTests
{
    [Fact]
    public async Task Dispose_fails_waiters_destroys_idle_now_and_active_on_return()
    {
        var (pool, factory, _) = await PoolFixture.CreateAsync(PoolFixture.Options(maxSize: 2, minSize: 2));
        PooledResource<FakeResource> held = await pool.AcquireAsync();
        PooledResource<FakeResource> alsoHeld = await pool.AcquireAsync();
        alsoHeld.Dispose();
        PooledResource<FakeResource> stillHeld = await pool.AcquireAsync();
        Task<PooledResource<FakeResource>> waiting = pool.AcquireAsync().AsTask();
        await PoolFixture.AssertPendingAsync(waiting);

        await pool.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.AcquireAsync().AsTask());
        Assert.False(held.Value.Destroyed);
        held.Dispose();
        await stillHeld.DisposeAsync();
        Assert.Equal(0, factory.Live);
        Assert.All(factory.Created, r => Assert.True(r.Destroyed));
        Assert.Empty(factory.Violations);

        await pool.DisposeAsync();
    }

    [Fact]
    public async Task Dispose_destroys_the_idle_resources_before_it_completes()
    {
        var (pool, factory, _) = await PoolFixture.CreateAsync(PoolFixture.Options(maxSize: 5, minSize: 5));
        await pool.DisposeAsync();
        Assert.Equal(5, factory.DestroyedCount);
        Assert.Equal(0, pool.GetStatistics().Idle);
    }

}
