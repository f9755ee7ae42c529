using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;

namespace CortexHybrid.Tests.Caching;

/// <summary>
/// A level 3 that works like an in-memory distributed cache until told to fail (throw), hang
/// (never answer until released) or hold its reads (answer only once released).
/// </summary>
internal sealed class FlakyDistributedCache : IDistributedCache
{
    private readonly TaskCompletionSource _hung = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _readsHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _readArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _failing;
    private int _hanging;
    private int _holdReads;
    private int _calls;

    /// <summary>What this level 3 really holds.</summary>
    public MemoryDistributedCache Inner { get; } = CacheTestData.NewDistributedCache();

    /// <summary>Every call throws.</summary>
    public bool Failing
    {
        get => Volatile.Read(ref _failing) != 0;
        set => Volatile.Write(ref _failing, value ? 1 : 0);
    }

    /// <summary>Every call waits until <see cref="ReleaseHung"/>.</summary>
    public bool Hanging
    {
        get => Volatile.Read(ref _hanging) != 0;
        set => Volatile.Write(ref _hanging, value ? 1 : 0);
    }

    /// <summary>Reads wait until <see cref="ReleaseReads"/>, then answer from <see cref="Inner"/>.</summary>
    public bool HoldReads
    {
        get => Volatile.Read(ref _holdReads) != 0;
        set => Volatile.Write(ref _holdReads, value ? 1 : 0);
    }

    /// <summary>Calls made, of any kind, failed or not.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Completes when a read is being held.</summary>
    public Task ReadArrived => _readArrived.Task;

    public void ReleaseHung() => _hung.TrySetResult();

    public void ReleaseReads()
    {
        HoldReads = false;
        _readsHeld.TrySetResult();
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        await BeforeCallAsync(read: true);
        return await Inner.GetAsync(key, token);
    }

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        await BeforeCallAsync(read: false);
        await Inner.SetAsync(key, value, options, token);
    }

    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        await BeforeCallAsync(read: false);
        await Inner.RefreshAsync(key, token);
    }

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        await BeforeCallAsync(read: false);
        await Inner.RemoveAsync(key, token);
    }

    public byte[]? Get(string key)
    {
        BeforeSyncCall();
        return Inner.Get(key);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        BeforeSyncCall();
        Inner.Set(key, value, options);
    }

    public void Refresh(string key)
    {
        BeforeSyncCall();
        Inner.Refresh(key);
    }

    public void Remove(string key)
    {
        BeforeSyncCall();
        Inner.Remove(key);
    }

    private Task BeforeCallAsync(bool read)
    {
        BeforeSyncCall();
        if (Hanging)
        {
            return _hung.Task;
        }

        if (read && HoldReads)
        {
            _readArrived.TrySetResult();
            return _readsHeld.Task;
        }

        return Task.CompletedTask;
    }

    private void BeforeSyncCall()
    {
        Interlocked.Increment(ref _calls);
        if (Failing)
        {
            throw new IOException("Level 3 is down (test).");
        }
    }
}
