namespace CortexHybrid.Pooling;

/// <summary>
/// A resource on loan from a <see cref="ResourcePool{T}"/>: use <see cref="Value"/>, then dispose
/// this (a <c>using</c>) to give it back. A struct, so acquiring allocates nothing.
/// </summary>
/// <typeparam name="T">The resource type.</typeparam>
/// <remarks>
/// The loan is returned once: disposing again, or disposing a copy, does nothing. After the return
/// <see cref="Value"/> throws, so a stale copy cannot use a resource someone else now holds.
/// </remarks>
public readonly struct PooledResource<T> : IDisposable, IAsyncDisposable
{
    private readonly PoolEntry<T>? _entry;
    private readonly int _lease;

    internal PooledResource(PoolEntry<T> entry, int lease)
    {
        _entry = entry;
        _lease = lease;
    }

    /// <summary>The resource.</summary>
    /// <exception cref="ObjectDisposedException">This loan was returned.</exception>
    /// <exception cref="InvalidOperationException">This is a default instance, not from a pool.</exception>
    public T Value
    {
        get
        {
            PoolEntry<T> entry = _entry ?? throw new InvalidOperationException("This PooledResource is a default instance: it did not come from ResourcePool.AcquireAsync.");
            T value = entry.Value;
            ObjectDisposedException.ThrowIf(Volatile.Read(ref entry.Lease) != _lease, typeof(PooledResource<T>));
            return value;
        }
    }

    /// <summary>True while this loan has not been returned.</summary>
    public bool IsHeld => _entry is not null && Volatile.Read(ref _entry.Lease) == _lease;

    /// <summary>
    /// Marks the resource as unusable (a dropped connection, a failed protocol exchange): when it
    /// is returned it is destroyed, not reused. Does nothing once the loan was returned.
    /// </summary>
    public void MarkBroken()
    {
        if (IsHeld)
        {
            _entry!.Broken = true;
        }
    }

    /// <summary>
    /// Gives the resource back. When the factory's <see cref="IResourceFactory{T}.ResetAsync"/>
    /// does not complete at once, the rest of the return finishes in the background; use
    /// <see cref="DisposeAsync"/> to wait for it.
    /// </summary>
    public void Dispose()
    {
        if (_entry is not null)
        {
            ValueTask returning = _entry.Pool.ReturnAsync(_entry, _lease);
            if (!returning.IsCompletedSuccessfully)
            {
                ResourcePool<T>.ObserveInBackground(returning);
            }
        }
    }

    /// <summary>Gives the resource back, completing once it is reset and available again (or destroyed).</summary>
    /// <returns>A task that completes when the return is done.</returns>
    public ValueTask DisposeAsync() => _entry is null ? default : _entry.Pool.ReturnAsync(_entry, _lease);
}
