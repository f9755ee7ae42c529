namespace CortexHybrid.Pooling;

/// <content>The line of callers waiting for a resource, served first-come first-served.</content>
public sealed partial class ResourcePool<T>
{
    /// <summary>Waiting callers, oldest first; the list is also the lock for changes to it.</summary>
    private readonly LinkedList<Waiter> _waiters = new();

    /// <summary>
    /// Waiters whose task has not completed. Changed only by whoever completes the task (a hand-off,
    /// a timeout, a cancellation, disposal), so each waiter is counted out exactly once.
    /// </summary>
    private int _waiterCount;

    /// <summary>
    /// Joins the line. Completes with a resource handed over by a return, or with null: room for a
    /// new resource was reserved for this caller, who creates it.
    /// </summary>
    private async ValueTask<PoolEntry<T>?> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(this);
        lock (_waiters)
        {
            ThrowIfDisposed();
            if (_options.MaxWaiters is int maxWaiters && _waiterCount >= maxWaiters)
            {
                throw new PoolExhaustedException(
                    $"Pool '{Name}' rejected the request at once: {maxWaiters} callers were already waiting "
                    + $"(ResourcePoolOptions.MaxWaiters) and all {_options.MaxSize} resources were in use. "
                    + "Raise MaxWaiters or MaxSize, or shed load before it reaches the pool.");
            }

            waiter.Node = _waiters.AddLast(waiter);
            Interlocked.Increment(ref _waiterCount);
        }

        // After the interlocked increment: a resource returned before it is seen here, and a return
        // after it sees this waiter.
        Pump();

        CancellationTokenRegistration registration = default;
        ITimer? timer = null;
        try
        {
            registration = cancellationToken.UnsafeRegister(static (state, token) => ((Waiter)state!).Cancel(token), waiter);
            timer = timeout == Timeout.InfiniteTimeSpan
                ? null
                : _time.CreateTimer(static state => ((Waiter)state!).TimeOut(), waiter, timeout, Timeout.InfiniteTimeSpan);
        }
        catch (Exception exception)
        {
            // A waiter left in line without its timer or registration would be handed the next
            // returned resource and never take it: leave the line first.
            registration.Dispose();
            if (waiter.TrySetException(exception))
            {
                Forget(waiter);
            }

            throw;
        }

        using (registration)
        using (timer)
        {
            return await waiter.Task.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Gives <paramref name="entry"/> (or, when null, reserved room) to the oldest waiter still
    /// waiting. False when no one is.
    /// </summary>
    private bool HandOff(PoolEntry<T>? entry)
    {
        lock (_waiters)
        {
            while (_waiters.First is LinkedListNode<Waiter> node)
            {
                _waiters.RemoveFirst();

                // Fails for a waiter that timed out or was cancelled a moment ago: the entry goes
                // on to the next one, so no caller that gave up takes a resource with it.
                if (node.Value.TrySetResult(entry))
                {
                    Interlocked.Decrement(ref _waiterCount);
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Serves waiters from idle resources, then from free room, for as long as both exist. Called
    /// after anything that adds a waiter, an idle resource or room.
    /// </summary>
    private void Pump()
    {
        while (Volatile.Read(ref _waiterCount) > 0 && Volatile.Read(ref _disposed) == 0)
        {
            if (_idle.TryTake(out PoolEntry<T>? entry))
            {
                if (!HandOff(entry))
                {
                    // Nobody left to serve (the waiters counted gave up): back it goes. The loop
                    // looks again, in case someone joined in between.
                    entry.IdleSlot = _idle.Add(entry);
                }

                continue;
            }

            if (TryReserve())
            {
                if (!HandOff(null))
                {
                    Interlocked.Decrement(ref _reserved);
                }

                continue;
            }

            return;
        }
    }

    /// <summary>Takes a waiter that gave up out of the line.</summary>
    private void Forget(Waiter waiter)
    {
        lock (_waiters)
        {
            if (waiter.Node is { List: not null } node)
            {
                _waiters.Remove(node);
            }
        }

        Interlocked.Decrement(ref _waiterCount);
    }

    private void FailAllWaiters(Func<Exception> exception)
    {
        Waiter[] waiters;
        lock (_waiters)
        {
            waiters = [.. _waiters];
            _waiters.Clear();
        }

        foreach (Waiter waiter in waiters)
        {
            if (waiter.TrySetException(exception()))
            {
                Interlocked.Decrement(ref _waiterCount);
            }
        }
    }

    private PoolExhaustedException TimedOut()
    {
        PoolStatistics statistics = GetStatistics();
        return new PoolExhaustedException(
            $"Timed out after {_options.AcquireTimeout} waiting for a resource from pool '{Name}': all "
            + $"{_options.MaxSize} resources were in use ({statistics.Active} active, {statistics.Waiting} callers waiting). "
            + "Raise ResourcePoolOptions.MaxSize or AcquireTimeout, hold resources for less time, or make sure "
            + "every PooledResource is disposed (set LeakDetectionThreshold to find the ones that are not).");
    }

    /// <summary>One waiting caller. Continuations run asynchronously, never inside the pool's lock.</summary>
    private sealed class Waiter(ResourcePool<T> pool)
        : TaskCompletionSource<PoolEntry<T>?>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public LinkedListNode<Waiter>? Node { get; set; }

        public void Cancel(CancellationToken token)
        {
            if (TrySetCanceled(token))
            {
                pool.Forget(this);
            }
        }

        public void TimeOut()
        {
            if (TrySetException(pool.TimedOut()))
            {
                pool.Forget(this);
            }
        }
    }
}
