using System.Diagnostics;
using System.Diagnostics.Metrics;
using CortexHybrid.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CortexHybrid.Pooling;

/// <summary>
/// An async pool of expensive resources (connections, sessions, native handles) that waits
/// first-come first-served when all are in use, never holds more than
/// <see cref="ResourcePoolOptions.MaxSize"/>, retires broken, expired, idle and unhealthy
/// resources, and refills to <see cref="ResourcePoolOptions.MinSize"/> in the background.
/// </summary>
/// <typeparam name="T">The resource type.</typeparam>
/// <remarks>
/// <para>
/// The fast path (a resource idle, nobody waiting) is lock-free and allocates nothing: a
/// compare-and-swap takes an idle slot and another gives it back. Waiting, creating and checking
/// take the slow path.
/// </para>
/// <para>
/// Time comes from the <see cref="TimeProvider"/>: acquire timeouts, lifetimes, the idle timeout
/// and the maintenance timer. Lifetimes and idle times are enforced by the maintenance run, so
/// they act within one <see cref="ResourcePoolOptions.HealthCheckInterval"/>: a resource is
/// retired for idleness between <see cref="ResourcePoolOptions.IdleTimeout"/> and
/// <c>IdleTimeout + 2 × HealthCheckInterval</c>, never earlier.
/// </para>
/// <para>
/// Metrics on the meter <c>CortexHybrid</c>, tagged <c>cortex.pool.name</c>:
/// <c>cortex.pool.resources</c> (by <c>state</c>: idle, active, creating),
/// <c>cortex.pool.waiters</c>, <c>cortex.pool.wait.duration</c> (seconds),
/// <c>cortex.pool.timeouts</c>, <c>cortex.pool.created</c>, <c>cortex.pool.destroyed</c> and
/// <c>cortex.pool.acquisitions</c> (by <c>outcome</c>).
/// </para>
/// </remarks>
public sealed partial class ResourcePool<T> : IAsyncDisposable
{
    /// <summary>The operation name of the activity an acquire that waits is traced as.</summary>
    internal const string WaitActivityName = "cortex.pool.wait";

    private readonly IResourceFactory<T> _factory;
    private readonly ResourcePoolOptions _options;
    private readonly TimeProvider _time;
    private readonly EntrySlots<PoolEntry<T>> _idle;
    private readonly EntrySlots<PoolEntry<T>> _registry;
    private readonly CancellationTokenSource _disposal = new();
    private readonly CancellationToken _disposalToken;
    private readonly PoolMetrics _metrics;
    private readonly ILogger _logger;

    /// <summary>Live, being created and being destroyed: what <see cref="ResourcePoolOptions.MaxSize"/> caps.</summary>
    private int _reserved;
    private int _live;
    private int _creating;
    private int _peak;
    private int _disposed;

    private long _totalCreated;
    private long _totalDestroyed;
    /// <summary>Leases of entries already destroyed; the live ones count their own (<see cref="PoolEntry{T}.Leases"/>).</summary>
    private long _retiredLeases;
    private long _failed;
    private long _timeouts;
    private long _creationFailures;
    private long _brokenReturns;
    private long _failedHealthChecks;
    private long _destroyFailures;
    private long _leaksDetected;
    private long _waitTimestampTotal;

    /// <summary>UTC ticks of the last timeout or rejection; 0 if none.</summary>
    private long _lastExhaustedTicks;

    /// <summary>1 while the most recent creation attempt failed; see <see cref="PoolStatistics.FactoryFailing"/>.</summary>
    private int _factoryFailing;

    private ResourcePool(IResourceFactory<T> factory, ResourcePoolOptions options, TimeProvider time, ILogger? logger, IMeterFactory? meterFactory)
    {
        _factory = factory;
        _options = options;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _idle = new EntrySlots<PoolEntry<T>>(options.MaxSize);
        _registry = new EntrySlots<PoolEntry<T>>(options.MaxSize);
        _disposalToken = _disposal.Token;
        _coarseNow = time.GetTimestamp();
        _metrics = new PoolMetrics(options.Name, GetStatistics, meterFactory);
    }

    /// <summary>The pool's <see cref="ResourcePoolOptions.Name"/>.</summary>
    public string Name => _options.Name;

    /// <summary>
    /// Raised once per loan when a resource has been held longer than
    /// <see cref="ResourcePoolOptions.LeakDetectionThreshold"/>. Handlers run on a timer thread.
    /// </summary>
    public event EventHandler<ResourceLeakEventArgs>? LeakDetected;

    /// <summary>
    /// Creates a pool, creates its first <see cref="ResourcePoolOptions.MinSize"/> resources
    /// (concurrently) and starts its background maintenance.
    /// </summary>
    /// <param name="factory">Creates, checks, resets and destroys the resources.</param>
    /// <param name="options">Sizes, timeouts and checks; copied, so later changes have no effect.</param>
    /// <param name="timeProvider">The clock and timers; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="cancellationToken">Cancels the warm-up.</param>
    /// <returns>The pool, holding <see cref="ResourcePoolOptions.MinSize"/> idle resources.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message says which).</exception>
    /// <remarks>
    /// When a warm-up creation fails, the resources already created are destroyed and the exception
    /// is thrown. To log, or to publish on an <see cref="IMeterFactory"/>'s meter, use
    /// <see cref="Create"/> and then <see cref="WarmUpAsync"/>.
    /// </remarks>
    public static async Task<ResourcePool<T>> CreateAsync(
        IResourceFactory<T> factory,
        ResourcePoolOptions options,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ResourcePool<T> pool = Create(factory, options, timeProvider);
        try
        {
            await pool.WarmUpAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await pool.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return pool;
    }

    /// <summary>
    /// Creates a pool and starts its background maintenance without creating any resource yet: the
    /// first maintenance run (after <see cref="ResourcePoolOptions.HealthCheckInterval"/>) or a call
    /// to <see cref="WarmUpAsync"/> fills it to <see cref="ResourcePoolOptions.MinSize"/>, and
    /// acquires create what they need meanwhile. Dependency injection creates pools this way and
    /// warms them when the host starts.
    /// </summary>
    /// <param name="factory">Creates, checks, resets and destroys the resources.</param>
    /// <param name="options">Sizes, timeouts and checks; copied, so later changes have no effect.</param>
    /// <param name="timeProvider">The clock and timers; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">
    /// Where factory failures, failed health checks and resets, leaks and exhaustion are logged
    /// (event ids 1001–1006); null for none.
    /// </param>
    /// <param name="meterFactory">Creates the meter the pool's instruments are on; null for a meter of the pool's own.</param>
    /// <returns>The pool, empty.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message says which).</exception>
    public static ResourcePool<T> Create(
        IResourceFactory<T> factory,
        ResourcePoolOptions options,
        TimeProvider? timeProvider = null,
        ILogger? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(options);
        var pool = new ResourcePool<T>(factory, options.Validated(), timeProvider ?? TimeProvider.System, logger, meterFactory);
        pool.StartTimers();
        return pool;
    }

    /// <summary>Creates resources, concurrently, until the pool holds <see cref="ResourcePoolOptions.MinSize"/>.</summary>
    /// <param name="cancellationToken">Cancels the creations still running.</param>
    /// <returns>A task that completes when the pool holds <see cref="ResourcePoolOptions.MinSize"/> resources.</returns>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>The first exception of <see cref="IResourceFactory{T}.CreateAsync"/> is thrown once every creation has ended; the resources created stay in the pool.</remarks>
    public async Task WarmUpAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        int missing = _options.MinSize - Volatile.Read(ref _reserved);
        if (missing <= 0)
        {
            return;
        }

        var creations = new Task[missing];
        for (int i = 0; i < creations.Length; i++)
        {
            creations[i] = CreateIdleAsync(cancellationToken);
        }

        await Task.WhenAll(creations).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes an idle resource, or creates one while the pool is below
    /// <see cref="ResourcePoolOptions.MaxSize"/>, or waits in line for one to be returned.
    /// </summary>
    /// <param name="cancellationToken">Gives up waiting; a cancelled caller never takes a resource with it.</param>
    /// <returns>The loan: dispose it to give the resource back.</returns>
    /// <exception cref="PoolExhaustedException">
    /// No resource within <see cref="ResourcePoolOptions.AcquireTimeout"/>, or
    /// <see cref="ResourcePoolOptions.MaxWaiters"/> callers already wait.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed, or was while this call waited.</exception>
    /// <remarks>An exception from <see cref="IResourceFactory{T}.CreateAsync"/> reaches the caller unchanged.</remarks>
    public ValueTask<PooledResource<T>> AcquireAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _disposed) == 0
            && !cancellationToken.IsCancellationRequested
            && Volatile.Read(ref _waiterCount) == 0
            && _idle.TryTake(out PoolEntry<T>? entry))
        {
            if (!_options.ValidateOnAcquire && entry.ExpiresAt > Volatile.Read(ref _coarseNow))
            {
                _metrics.RecordImmediateAcquire();
                return new ValueTask<PooledResource<T>>(Lease(entry));
            }

            return AcquireSlowAsync(entry, cancellationToken);
        }

        return AcquireSlowAsync(null, cancellationToken);
    }

    /// <summary>The pool's figures now.</summary>
    /// <returns>A snapshot.</returns>
    public PoolStatistics GetStatistics()
    {
        int idle = _idle.Count;
        long successful = Interlocked.Read(ref _retiredLeases);
        foreach (PoolEntry<T> entry in _registry.Snapshot())
        {
            successful += Volatile.Read(ref entry.Leases);
        }

        long failed = Interlocked.Read(ref _failed);
        return new PoolStatistics
        {
            MaxSize = _options.MaxSize,
            TotalCreated = Interlocked.Read(ref _totalCreated),
            TotalDestroyed = Interlocked.Read(ref _totalDestroyed),
            Active = Math.Max(0, Volatile.Read(ref _live) - idle),
            Idle = idle,
            Creating = Volatile.Read(ref _creating),
            Waiting = Volatile.Read(ref _waiterCount),
            TotalRequests = successful + failed,
            SuccessfulAcquisitions = successful,
            FailedAcquisitions = failed,
            Timeouts = Interlocked.Read(ref _timeouts),
            CreationFailures = Interlocked.Read(ref _creationFailures),
            BrokenReturns = Interlocked.Read(ref _brokenReturns),
            FailedHealthChecks = Interlocked.Read(ref _failedHealthChecks),
            DestroyFailures = Interlocked.Read(ref _destroyFailures),
            LeaksDetected = Interlocked.Read(ref _leaksDetected),
            AverageWaitTime = successful == 0 ? TimeSpan.Zero : TimestampToTimeSpan(Interlocked.Read(ref _waitTimestampTotal) / successful),
            PeakSize = Volatile.Read(ref _peak),
            FactoryFailing = Volatile.Read(ref _factoryFailing) == 1,
            LastExhaustedAt = Interlocked.Read(ref _lastExhaustedTicks) is long ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null,
        };
    }

    /// <summary>
    /// Fails every waiting caller with <see cref="ObjectDisposedException"/>, stops the maintenance,
    /// destroys the idle resources and completes once they are destroyed. Resources still on loan
    /// are destroyed as they come back; later acquires throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    /// <returns>A task that completes when the idle resources are destroyed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _disposal.CancelAsync().ConfigureAwait(false);
        await StopTimersAsync().ConfigureAwait(false);
        FailAllWaiters(() => new ObjectDisposedException(GetType().Name, $"The pool '{Name}' was disposed while this caller waited for a resource."));
        while (_idle.TryTake(out PoolEntry<T>? entry))
        {
            await DestroyAsync(entry).ConfigureAwait(false);
        }

        _metrics.Dispose();
    }

    internal static void ObserveInBackground(ValueTask returning) =>
        // The return path handles every failure itself (a failed reset destroys the resource);
        // this only turns the ValueTask into a task the runtime tracks.
        _ = returning.AsTask();

    /// <summary>Gives a loan back: once per lease; then reset and reused, or destroyed.</summary>
    internal ValueTask ReturnAsync(PoolEntry<T> entry, int lease)
    {
        if (Interlocked.CompareExchange(ref entry.Lease, lease + 1, lease) != lease)
        {
            return default;
        }

        entry.AcquiredAt = 0;
        if (entry.Broken)
        {
            Interlocked.Increment(ref _brokenReturns);
            return DestroyAsync(entry);
        }

        if (Volatile.Read(ref _disposed) != 0 || entry.ExpiresAt <= Volatile.Read(ref _coarseNow))
        {
            return DestroyAsync(entry);
        }

        ValueTask reset;
        try
        {
            reset = _factory.ResetAsync(entry.Value, _disposalToken);
        }
        catch (Exception exception)
        {
            PoolLog.ResourceResetFailed(_logger, Name, exception);
            return DestroyAfterFailedCheckAsync(entry);
        }

        if (reset.IsCompletedSuccessfully)
        {
            reset.GetAwaiter().GetResult();
            MakeAvailable(entry, newlyIdle: true);
            return default;
        }

        return FinishResetAsync(reset, entry);
    }

    private async ValueTask FinishResetAsync(ValueTask reset, PoolEntry<T> entry)
    {
        try
        {
            await reset.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            PoolLog.ResourceResetFailed(_logger, Name, exception);
            await DestroyAfterFailedCheckAsync(entry).ConfigureAwait(false);
            return;
        }

        MakeAvailable(entry, newlyIdle: true);
    }

    private PooledResource<T> Lease(PoolEntry<T> entry)
    {
        entry.Leases++;
        if (_options.LeakDetectionThreshold is not null)
        {
            // Skip only Lease itself: from the slow path the next frames are the async machinery, and
            // skipping more could drop the caller the report exists to name.
            entry.AcquiredStack = new StackTrace(1, fNeedFileInfo: true);
            entry.AcquiredAt = _time.GetTimestamp();
        }

        return new PooledResource<T>(entry, Volatile.Read(ref entry.Lease));
    }

    private async ValueTask<PooledResource<T>> AcquireSlowAsync(PoolEntry<T>? entry, CancellationToken cancellationToken)
    {
        long start = _time.GetTimestamp();
        try
        {
            while (true)
            {
                if (entry is not null)
                {
                    if (await IsUsableAsync(entry, cancellationToken).ConfigureAwait(false))
                    {
                        return LeaseAfterWait(entry, start);
                    }

                    await DestroyAsync(entry).ConfigureAwait(false);
                    entry = null;
                }

                ThrowIfDisposed();
                cancellationToken.ThrowIfCancellationRequested();
                if (Volatile.Read(ref _waiterCount) == 0)
                {
                    if (_idle.TryTake(out entry))
                    {
                        continue;
                    }

                    if (TryReserve())
                    {
                        return LeaseAfterWait(await CreateReservedAsync(cancellationToken).ConfigureAwait(false), start);
                    }
                }

                // Null: not a resource but room for one, reserved for this caller.
                entry = await WaitTracedAsync(RemainingTimeout(start), cancellationToken).ConfigureAwait(false);
                if (entry is null)
                {
                    return LeaseAfterWait(await CreateReservedAsync(cancellationToken).ConfigureAwait(false), start);
                }
            }
        }
        catch (Exception exception)
        {
            Interlocked.Increment(ref _failed);
            if (exception is PoolExhaustedException)
            {
                Interlocked.Increment(ref _timeouts);
                Interlocked.Exchange(ref _lastExhaustedTicks, _time.GetUtcNow().UtcTicks);
                _metrics.RecordTimeout();
                PoolLog.PoolExhausted(_logger, Name, exception.Message);
            }

            throw;
        }
    }

    /// <summary>
    /// <see cref="WaitAsync"/> as the <c>cortex.pool.wait</c> activity (when someone listens): how
    /// long this caller stood in line and how it left it.
    /// </summary>
    private async ValueTask<PoolEntry<T>?> WaitTracedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using Activity? activity = ServingTelemetry.Start(WaitActivityName);
        if (activity is null)
        {
            return await WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }

        activity.SetTag("cortex.pool.name", Name);
        activity.SetTag("cortex.pool.waiters", Volatile.Read(ref _waiterCount));
        try
        {
            PoolEntry<T>? entry = await WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            activity.SetTag("cortex.pool.wait.outcome", entry is null ? "room" : "handed_off");
            return entry;
        }
        catch (Exception exception)
        {
            activity.SetTag("cortex.pool.wait.outcome", exception switch
            {
                PoolExhaustedException => "exhausted",
                OperationCanceledException => "canceled",
                _ => "failed",
            });
            ServingTelemetry.Fail(activity, exception);
            throw;
        }
    }

    private PooledResource<T> LeaseAfterWait(PoolEntry<T> entry, long start)
    {
        long waited = _time.GetTimestamp() - start;
        Interlocked.Add(ref _waitTimestampTotal, waited);
        _metrics.RecordWait(TimestampToTimeSpan(waited));
        return Lease(entry);
    }

    /// <summary>
    /// False when the entry is past its lifetime or fails the health check. When the caller gives
    /// up during the check, the entry goes back to the pool and the cancellation is thrown.
    /// </summary>
    private async ValueTask<bool> IsUsableAsync(PoolEntry<T> entry, CancellationToken cancellationToken)
    {
        if (entry.ExpiresAt <= _time.GetTimestamp())
        {
            return false;
        }

        if (!_options.ValidateOnAcquire)
        {
            return true;
        }

        Exception? failure = null;
        try
        {
            if (await _factory.ValidateAsync(entry.Value, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            MakeAvailable(entry, newlyIdle: false);
            throw;
        }
        catch (Exception exception)
        {
            // A health check that throws reports an unhealthy resource.
            failure = exception;
        }

        Interlocked.Increment(ref _failedHealthChecks);
        PoolLog.ResourceHealthCheckFailed(_logger, Name, failure);
        return false;
    }

    /// <summary>Creates a resource in room already reserved; on failure frees the room and rethrows.</summary>
    private async ValueTask<PoolEntry<T>> CreateReservedAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _creating);
        T value;
        try
        {
            value = await _factory.CreateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Interlocked.Increment(ref _creationFailures);
            if (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Volatile.Write(ref _factoryFailing, 1);
                PoolLog.ResourceCreationFailed(_logger, Name, exception);
            }

            Interlocked.Decrement(ref _creating);
            ReleaseReservation();
            throw;
        }

        if (Volatile.Read(ref _factoryFailing) == 1)
        {
            Volatile.Write(ref _factoryFailing, 0);
        }

        var entry = new PoolEntry<T>(this, value, ExpiryFrom(_time.GetTimestamp()));
        entry.RegistryIndex = _registry.Add(entry);
        int live = Interlocked.Increment(ref _live);
        Interlocked.Decrement(ref _creating);
        Interlocked.Increment(ref _totalCreated);
        RaisePeak(live);
        if (Volatile.Read(ref _disposed) != 0)
        {
            await DestroyAsync(entry).ConfigureAwait(false);
            ThrowIfDisposed();
        }

        return entry;
    }

    /// <summary>Puts an entry where the next caller finds it: straight to the first waiter, else idle.</summary>
    private void MakeAvailable(PoolEntry<T> entry, bool newlyIdle)
    {
        if (newlyIdle)
        {
            entry.IdleSinceTick = Volatile.Read(ref _maintenanceTick);
        }

        if (Volatile.Read(ref _waiterCount) > 0 && HandOff(entry))
        {
            return;
        }

        entry.IdleSlot = _idle.Add(entry);

        // Both reads come after the interlocked add: a waiter that queued, or a DisposeAsync that
        // began, before it is seen here; one that comes later sees this entry.
        if (Volatile.Read(ref _waiterCount) > 0)
        {
            Pump();
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            while (_idle.TryTake(out PoolEntry<T>? stranded))
            {
                ObserveInBackground(DestroyAsync(stranded));
            }
        }
    }

    private async ValueTask DestroyAfterFailedCheckAsync(PoolEntry<T> entry)
    {
        Interlocked.Increment(ref _failedHealthChecks);
        await DestroyAsync(entry).ConfigureAwait(false);
    }

    /// <summary>Destroys an entry; its room in <see cref="ResourcePoolOptions.MaxSize"/> is freed only once the factory is done.</summary>
    private async ValueTask DestroyAsync(PoolEntry<T> entry)
    {
        if (_registry.TryRemove(entry.RegistryIndex, entry))
        {
            Interlocked.Add(ref _retiredLeases, Volatile.Read(ref entry.Leases));
        }

        Interlocked.Decrement(ref _live);
        try
        {
            await _factory.DestroyAsync(entry.Value).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // The resource is gone either way; the failure is counted in the statistics.
            Interlocked.Increment(ref _destroyFailures);
            PoolLog.ResourceDestroyFailed(_logger, Name, exception);
        }
        finally
        {
            Interlocked.Increment(ref _totalDestroyed);
            ReleaseReservation();
        }
    }

    private bool TryReserve()
    {
        int reserved = Volatile.Read(ref _reserved);
        while (reserved < _options.MaxSize)
        {
            int seen = Interlocked.CompareExchange(ref _reserved, reserved + 1, reserved);
            if (seen == reserved)
            {
                return true;
            }

            reserved = seen;
        }

        return false;
    }

    private void ReleaseReservation()
    {
        Interlocked.Decrement(ref _reserved);

        // Room just freed: the first waiter may now create.
        if (Volatile.Read(ref _waiterCount) > 0)
        {
            Pump();
        }
    }

    private void RaisePeak(int size)
    {
        int peak = Volatile.Read(ref _peak);
        while (size > peak)
        {
            int seen = Interlocked.CompareExchange(ref _peak, size, peak);
            if (seen == peak)
            {
                return;
            }

            peak = seen;
        }
    }

    /// <summary>
    /// While the factory is failing, one creation attempt into the pool (when there is room), so
    /// that a recovered factory clears <see cref="PoolStatistics.FactoryFailing"/> without waiting
    /// for an acquire (the health check calls this). Failures are counted and logged as usual.
    /// </summary>
    internal async Task ProbeFactoryAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _factoryFailing) == 0 || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            await CreateIdleAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Counted in CreationFailures and logged; the pool stays marked failing.
        }
    }

    /// <summary>Creates one resource into the pool (warm-up and refill), when there is room.</summary>
    private async Task CreateIdleAsync(CancellationToken cancellationToken)
    {
        if (TryReserve())
        {
            MakeAvailable(await CreateReservedAsync(cancellationToken).ConfigureAwait(false), newlyIdle: true);
        }
    }

    private long ExpiryFrom(long now)
    {
        if (_options.MaxLifetime == Timeout.InfiniteTimeSpan)
        {
            return long.MaxValue;
        }

        // Up to 2.5% (at most 30 s) earlier, so resources created together expire apart.
        double spreadSeconds = Math.Min(_options.MaxLifetime.TotalSeconds * 0.025, 30.0) * Random.Shared.NextDouble();
        return now + TimeSpanToTimestamp(_options.MaxLifetime - TimeSpan.FromSeconds(spreadSeconds));
    }

    private TimeSpan RemainingTimeout(long start)
    {
        if (_options.AcquireTimeout == Timeout.InfiniteTimeSpan)
        {
            return Timeout.InfiniteTimeSpan;
        }

        TimeSpan remaining = _options.AcquireTimeout - _time.GetElapsedTime(start);
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }

    private long TimeSpanToTimestamp(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private TimeSpan TimestampToTimeSpan(long timestamps) => TimeSpan.FromSeconds((double)timestamps / _time.TimestampFrequency);

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException(GetType().Name, $"The pool '{Name}' has been disposed.");
        }
    }
}
