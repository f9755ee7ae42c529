using System.Collections.Concurrent;
using CortexHybrid.Pooling;

namespace CortexHybrid.Tests.Pooling;

/// <summary>A resource the tests can make unhealthy and inspect.</summary>
public sealed class FakeResource(int id)
{
    public int Id { get; } = id;

    public volatile bool Healthy = true;

    public volatile bool FailReset;

    public int Resets;

    public volatile bool Destroyed;

    /// <summary>Set while someone holds it: two holders at once is a pool bug the tests look for.</summary>
    public int Holders;
}

/// <summary>
/// Counts what the pool does with its resources, from the factory's side: live counts from the
/// start of a creation to the end of a destruction, so "never above MaxSize" includes both.
/// </summary>
public sealed class FakeResourceFactory : IResourceFactory<FakeResource>
{
    private int _attempts;
    private int _live;
    private int _maxLive;
    private int _destroyed;

    /// <summary>Given the attempt number (from 1), returns an exception to throw instead of creating, or null.</summary>
    public Func<int, Exception?>? CreateFailure { get; set; }

    /// <summary>When set, creations wait for it.</summary>
    public TaskCompletionSource? CreateGate { get; set; }

    public ConcurrentQueue<FakeResource> Created { get; } = new();

    /// <summary>Misuse seen by the factory (kept, not thrown: the pool would swallow a throw from DestroyAsync).</summary>
    public ConcurrentQueue<string> Violations { get; } = new();

    public int Attempts => Volatile.Read(ref _attempts);

    public int Live => Volatile.Read(ref _live);

    public int MaxLive => Volatile.Read(ref _maxLive);

    public int DestroyedCount => Volatile.Read(ref _destroyed);

    public int Validations;

    public async ValueTask<FakeResource> CreateAsync(CancellationToken cancellationToken)
    {
        int attempt = Interlocked.Increment(ref _attempts);
        int live = Interlocked.Increment(ref _live);
        int max = Volatile.Read(ref _maxLive);
        while (live > max && Interlocked.CompareExchange(ref _maxLive, live, max) != max)
        {
            max = Volatile.Read(ref _maxLive);
        }

        try
        {
            if (CreateGate is TaskCompletionSource gate)
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            if (CreateFailure?.Invoke(attempt) is Exception failure)
            {
                throw failure;
            }
        }
        catch
        {
            Interlocked.Decrement(ref _live);
            throw;
        }

        var resource = new FakeResource(attempt);
        Created.Enqueue(resource);
        return resource;
    }

    public ValueTask<bool> ValidateAsync(FakeResource resource, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Validations);
        Check(!resource.Destroyed, "a destroyed resource was validated");
        return ValueTask.FromResult(resource.Healthy);
    }

    public ValueTask ResetAsync(FakeResource resource, CancellationToken cancellationToken)
    {
        Check(!resource.Destroyed, "a destroyed resource was reset");
        Interlocked.Increment(ref resource.Resets);
        return resource.FailReset ? ValueTask.FromException(new IOException("reset failed")) : ValueTask.CompletedTask;
    }

    public ValueTask DestroyAsync(FakeResource resource)
    {
        Check(!resource.Destroyed, "a resource was destroyed twice");
        resource.Destroyed = true;
        Interlocked.Increment(ref _destroyed);
        Interlocked.Decrement(ref _live);
        return ValueTask.CompletedTask;
    }

    private void Check(bool condition, string violation)
    {
        if (!condition)
        {
            Violations.Enqueue(violation);
        }
    }
}
