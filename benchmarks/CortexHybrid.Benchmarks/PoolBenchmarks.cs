using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CortexHybrid.Pooling;
using Microsoft.Extensions.ObjectPool;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// Acquire and return: <see cref="ResourcePool{T}"/> against <see cref="DefaultObjectPool{T}"/>
/// (the baseline: it never waits and never caps) and a <see cref="SemaphoreSlim"/> +
/// <see cref="ConcurrentBag{T}"/> pool (the usual hand-rolled capped pool). Uncontended: one
/// caller, a resource always idle. Contended: 16 tasks sharing 4 resources.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class PoolBenchmarks
{
    private const int ContendedTasks = 16;
    private const int ContendedSize = 4;
    private const int AcquiresPerTask = 1_000;
    private const int ContendedOperations = ContendedTasks * AcquiresPerTask;

    private DefaultObjectPool<Resource> _objectPool = null!;
    private SemaphoreBagPool _semaphorePool = null!;
    private ResourcePool<Resource> _resourcePool = null!;
    private DefaultObjectPool<Resource> _contendedObjectPool = null!;
    private SemaphoreBagPool _contendedSemaphorePool = null!;
    private ResourcePool<Resource> _contendedResourcePool = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _objectPool = new DefaultObjectPool<Resource>(new DefaultPooledObjectPolicy<Resource>(), 100);
        _semaphorePool = new SemaphoreBagPool(100);
        _resourcePool = await ResourcePool<Resource>.CreateAsync(new ResourceFactory(), new ResourcePoolOptions { MaxSize = 100, MinSize = 1 });
        _contendedObjectPool = new DefaultObjectPool<Resource>(new DefaultPooledObjectPolicy<Resource>(), ContendedSize);
        _contendedSemaphorePool = new SemaphoreBagPool(ContendedSize);
        _contendedResourcePool = await ResourcePool<Resource>.CreateAsync(
            new ResourceFactory(), new ResourcePoolOptions { MaxSize = ContendedSize, MinSize = ContendedSize });
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _resourcePool.DisposeAsync();
        await _contendedResourcePool.DisposeAsync();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Uncontended")]
    public Resource Uncontended_DefaultObjectPool()
    {
        Resource resource = _objectPool.Get();
        _objectPool.Return(resource);
        return resource;
    }

    [Benchmark, BenchmarkCategory("Uncontended")]
    public Resource Uncontended_SemaphoreBag()
    {
        Resource resource = _semaphorePool.Acquire(CancellationToken.None).GetAwaiter().GetResult();
        _semaphorePool.Return(resource);
        return resource;
    }

    [Benchmark, BenchmarkCategory("Uncontended")]
    public Resource Uncontended_ResourcePool()
    {
        ValueTask<PooledResource<Resource>> acquiring = _resourcePool.AcquireAsync();
        using PooledResource<Resource> lease = acquiring.IsCompletedSuccessfully ? acquiring.Result : acquiring.AsTask().GetAwaiter().GetResult();
        return lease.Value;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = ContendedOperations), BenchmarkCategory("Contended")]
    public Task Contended_DefaultObjectPool() => RunContended(() =>
    {
        Resource resource = _contendedObjectPool.Get();
        resource.Touch();
        _contendedObjectPool.Return(resource);
        return ValueTask.CompletedTask;
    });

    [Benchmark(OperationsPerInvoke = ContendedOperations), BenchmarkCategory("Contended")]
    public Task Contended_SemaphoreBag() => RunContended(async () =>
    {
        Resource resource = await _contendedSemaphorePool.Acquire(CancellationToken.None);
        resource.Touch();
        _contendedSemaphorePool.Return(resource);
    });

    [Benchmark(OperationsPerInvoke = ContendedOperations), BenchmarkCategory("Contended")]
    public Task Contended_ResourcePool() => RunContended(async () =>
    {
        using PooledResource<Resource> lease = await _contendedResourcePool.AcquireAsync();
        lease.Value.Touch();
    });

    private static Task RunContended(Func<ValueTask> acquireAndReturn)
    {
        var tasks = new Task[ContendedTasks];
        for (int t = 0; t < tasks.Length; t++)
        {
            tasks[t] = Task.Run(async () =>
            {
                for (int i = 0; i < AcquiresPerTask; i++)
                {
                    await acquireAndReturn();
                }
            });
        }

        return Task.WhenAll(tasks);
    }

    /// <summary>A pooled thing with a little state to touch.</summary>
    public sealed class Resource
    {
        private int _uses;

        public void Touch() => _uses++;
    }

    private sealed class ResourceFactory : IResourceFactory<Resource>
    {
        public ValueTask<Resource> CreateAsync(CancellationToken cancellationToken) => ValueTask.FromResult(new Resource());

        public ValueTask<bool> ValidateAsync(Resource resource, CancellationToken cancellationToken) => ValueTask.FromResult(true);

        public ValueTask ResetAsync(Resource resource, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DestroyAsync(Resource resource) => ValueTask.CompletedTask;
    }

    /// <summary>The common hand-rolled capped pool: a semaphore for the cap, a bag for the idle ones.</summary>
    private sealed class SemaphoreBagPool(int maxSize)
    {
        private readonly SemaphoreSlim _slots = new(maxSize, maxSize);
        private readonly ConcurrentBag<Resource> _idle = [];

        public async ValueTask<Resource> Acquire(CancellationToken cancellationToken)
        {
            await _slots.WaitAsync(cancellationToken);
            return _idle.TryTake(out Resource? resource) ? resource : new Resource();
        }

        public void Return(Resource resource)
        {
            _idle.Add(resource);
            _slots.Release();
        }
    }
}
