namespace CortexHybrid.Pooling;

/// <summary>
/// Creates, checks, resets and destroys the resources a <see cref="ResourcePool{T}"/> holds:
/// connections, sessions, native handles, anything expensive to make.
/// </summary>
/// <typeparam name="T">The resource type.</typeparam>
/// <remarks>
/// The pool calls these concurrently for different resources, never concurrently for one resource.
/// Return completed <see cref="ValueTask"/>s where the work is synchronous: the pool's fast path
/// then allocates nothing.
/// </remarks>
public interface IResourceFactory<T>
{
    /// <summary>Creates a resource. An exception reaches the caller that needed it; the pool stays usable.</summary>
    /// <param name="cancellationToken">Cancelled when the acquiring caller gives up or the pool is disposed.</param>
    /// <returns>The new resource.</returns>
    ValueTask<T> CreateAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The health check: true when <paramref name="resource"/> can still be used. Called by the
    /// background maintenance on idle resources, and on acquire when
    /// <see cref="ResourcePoolOptions.ValidateOnAcquire"/> is set. <c>false</c> or an exception
    /// destroys the resource.
    /// </summary>
    /// <param name="resource">An idle resource, not in use by anyone.</param>
    /// <param name="cancellationToken">Cancelled when the pool is disposed or the acquiring caller gives up.</param>
    /// <returns>Whether the resource is healthy.</returns>
    ValueTask<bool> ValidateAsync(T resource, CancellationToken cancellationToken);

    /// <summary>
    /// Puts a returned resource back into a clean state before anyone else gets it. An exception
    /// destroys the resource instead of reusing it.
    /// </summary>
    /// <param name="resource">The resource just returned.</param>
    /// <param name="cancellationToken">Cancelled when the pool is disposed.</param>
    /// <returns>A task that completes when the resource is clean.</returns>
    ValueTask ResetAsync(T resource, CancellationToken cancellationToken);

    /// <summary>
    /// Releases a resource for good: broken, expired, idle too long, unhealthy, or the pool is being
    /// disposed. The pool counts the resource as gone only once this completes, so it never holds
    /// more than <see cref="ResourcePoolOptions.MaxSize"/> at a time, even while destroying.
    /// </summary>
    /// <param name="resource">The resource to release.</param>
    /// <returns>A task that completes when the resource is released.</returns>
    ValueTask DestroyAsync(T resource);
}
