namespace CortexHybrid.Pooling;

/// <summary>
/// Thrown by <see cref="ResourcePool{T}.AcquireAsync"/> when no resource became free within
/// <see cref="ResourcePoolOptions.AcquireTimeout"/>, or at once when
/// <see cref="ResourcePoolOptions.MaxWaiters"/> callers are already waiting. The message says what
/// to change.
/// </summary>
public sealed class PoolExhaustedException : TimeoutException
{
    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened and how to fix it.</param>
    public PoolExhaustedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    public PoolExhaustedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public PoolExhaustedException()
        : base("The pool had no free resource in time.")
    {
    }
}
