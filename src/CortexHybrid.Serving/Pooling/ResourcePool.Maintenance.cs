using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace CortexHybrid.Pooling;

/// <content>The background maintenance and leak detection, both on the pool's <see cref="TimeProvider"/>.</content>
public sealed partial class ResourcePool<T>
{
    private ITimer? _maintenanceTimer;
    private ITimer? _leakTimer;
    private int _maintenanceRunning;
    private Task _maintenance = Task.CompletedTask;

    /// <summary>The timestamp of the last maintenance run: the fast path's clock for lifetimes.</summary>
    private long _coarseNow;

    /// <summary>Maintenance runs so far: the clock for idle times.</summary>
    private long _maintenanceTick;

    /// <summary>The latest maintenance run (tests await it after advancing a fake clock).</summary>
    internal Task Maintenance => Volatile.Read(ref _maintenance);

    private void StartTimers()
    {
        if (_options.HealthCheckInterval != Timeout.InfiniteTimeSpan)
        {
            _maintenanceTimer = _time.CreateTimer(
                static state => ((ResourcePool<T>)state!).OnMaintenanceDue(), this, _options.HealthCheckInterval, _options.HealthCheckInterval);
        }

        if (_options.LeakDetectionThreshold is TimeSpan threshold)
        {
            // A quarter of the threshold: a leak is reported between 1x and 1.25x the threshold.
            TimeSpan period = threshold / 4;
            _leakTimer = _time.CreateTimer(static state => ((ResourcePool<T>)state!).ReportLeaks(), this, period, period);
        }
    }

    private async ValueTask StopTimersAsync()
    {
        if (_maintenanceTimer is not null)
        {
            await _maintenanceTimer.DisposeAsync().ConfigureAwait(false);
        }

        if (_leakTimer is not null)
        {
            await _leakTimer.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await Maintenance.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The run was cut short by this disposal.
        }
    }

    private void OnMaintenanceDue()
    {
        // A run still going (slow health checks) is not overlapped; the next tick catches up.
        if (Interlocked.Exchange(ref _maintenanceRunning, 1) == 0)
        {
            Volatile.Write(ref _maintenance, RunMaintenanceAsync());
        }
    }

    /// <summary>Retires expired, long-idle and unhealthy idle resources, then refills to <see cref="ResourcePoolOptions.MinSize"/>.</summary>
    private async Task RunMaintenanceAsync()
    {
        try
        {
            long now = _time.GetTimestamp();
            Volatile.Write(ref _coarseNow, now);
            long tick = Interlocked.Increment(ref _maintenanceTick);
            long idleTicks = IdleTicksBeforeRetirement();
            foreach (PoolEntry<T> entry in _registry.Snapshot())
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    return;
                }

                // Only an entry still idle is checked: taking it out of its slot makes it ours.
                if (entry.IdleSlot < 0 || !_idle.TryRemove(entry.IdleSlot, entry))
                {
                    continue;
                }

                if (entry.ExpiresAt <= now || (tick - entry.IdleSinceTick >= idleTicks && Volatile.Read(ref _live) > _options.MinSize))
                {
                    await DestroyAsync(entry).ConfigureAwait(false);
                }
                else if (await HealthCheckFailureAsync(entry).ConfigureAwait(false) is { } failure)
                {
                    PoolLog.ResourceHealthCheckFailed(_logger, Name, failure.Exception);
                    await DestroyAfterFailedCheckAsync(entry).ConfigureAwait(false);
                }
                else
                {
                    MakeAvailable(entry, newlyIdle: false);
                }
            }

            while (Volatile.Read(ref _reserved) < _options.MinSize && Volatile.Read(ref _disposed) == 0)
            {
                try
                {
                    await CreateIdleAsync(_disposalToken).ConfigureAwait(false);
                }
                catch (Exception) when (Volatile.Read(ref _disposed) == 0)
                {
                    // Counted in CreationFailures; the next run tries again.
                    break;
                }
            }
        }
        finally
        {
            Volatile.Write(ref _maintenanceRunning, 0);
        }
    }

    /// <summary>Null when the entry passes its health check; else why it failed (the exception, if the check threw).</summary>
    private async ValueTask<HealthCheckFailure?> HealthCheckFailureAsync(PoolEntry<T> entry)
    {
        try
        {
            return await _factory.ValidateAsync(entry.Value, _disposalToken).ConfigureAwait(false) ? null : new HealthCheckFailure(null);
        }
        catch (Exception exception) when (!_disposalToken.IsCancellationRequested)
        {
            return new HealthCheckFailure(exception);
        }
    }

    /// <summary>
    /// Maintenance runs an entry must have sat idle through: it became idle at some point during
    /// run <c>k</c>'s interval, so <c>IdleTimeout / interval + 1</c> runs later it has been idle at
    /// least <see cref="ResourcePoolOptions.IdleTimeout"/>.
    /// </summary>
    private long IdleTicksBeforeRetirement() =>
        _options.IdleTimeout == Timeout.InfiniteTimeSpan
            ? long.MaxValue
            : (long)Math.Ceiling(_options.IdleTimeout / _options.HealthCheckInterval) + 1;

    private void ReportLeaks()
    {
        TimeSpan threshold = _options.LeakDetectionThreshold!.Value;
        long now = _time.GetTimestamp();
        foreach (PoolEntry<T> entry in _registry.Snapshot())
        {
            int lease = Volatile.Read(ref entry.Lease);
            long acquiredAt = entry.AcquiredAt;
            StackTrace? stack = entry.AcquiredStack;
            if (acquiredAt == 0 || stack is null || entry.LeakReportedLease == lease)
            {
                continue;
            }

            TimeSpan held = _time.GetElapsedTime(acquiredAt, now);
            if (held >= threshold && Volatile.Read(ref entry.Lease) == lease)
            {
                entry.LeakReportedLease = lease;
                Interlocked.Increment(ref _leaksDetected);
                if (_logger.IsEnabled(LogLevel.Warning))
                {
                    PoolLog.ResourceLeakDetected(_logger, Name, held, stack.ToString());
                }

                LeakDetected?.Invoke(this, new ResourceLeakEventArgs(Name, held, stack));
            }
        }
    }

    /// <summary>A failed health check: false, or the exception the check threw.</summary>
    private sealed record HealthCheckFailure(Exception? Exception);
}
