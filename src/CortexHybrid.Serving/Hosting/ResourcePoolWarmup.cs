using CortexHybrid.Pooling;
using Microsoft.Extensions.Hosting;

namespace CortexHybrid.Hosting;

/// <summary>
/// Fills a registered pool to <see cref="ResourcePoolOptions.MinSize"/> when the host starts. A
/// factory that fails then does not fail the start (a database may come up later): the failure is
/// logged by the pool (event 1001), counted, reported by the pool's health check, and retried by
/// the pool's maintenance. A factory that does not answer (a database host that drops packets)
/// does not hold the start for as long as it hangs: the start waits for the warm-up at most
/// <see cref="ResourcePoolOptions.AcquireTimeout"/>, as long as a caller would wait for a resource,
/// and the creations go on in the background, filling the pool when they succeed. Stopping the
/// host cancels a warm-up still running.
/// </summary>
internal sealed class ResourcePoolWarmup<T>(Func<ResourcePool<T>> pool, Func<TimeSpan> startWait, TimeProvider time) : IHostedService, IDisposable
{
    /// <summary>The longest finite wait a timer takes (2^32 - 2 ms, 49.7 days); a longer <see cref="ResourcePoolOptions.AcquireTimeout"/> waits without a limit.</summary>
    private static readonly TimeSpan LongestTimedWait = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>
    /// The creations' token: cancelled when the start is cancelled or the host stops. Not the
    /// start's own token, which the host stops using (and disposes) once the start is over, while
    /// creations may still be running.
    /// </summary>
    private readonly CancellationTokenSource _stopping = new();
    private Task _warmUp = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Read here, not when the service is built: the options are validated when the start begins.
        TimeSpan wait = startWait();
        if (wait > LongestTimedWait)
        {
            wait = Timeout.InfiniteTimeSpan;
        }

        CancellationTokenRegistration startCancelled = cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _stopping);
        try
        {
            _warmUp = WarmUpAsync(pool(), _stopping.Token);
            await _warmUp.WaitAsync(wait, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Still creating: the pool fills in the background.
        }
        finally
        {
            await startCancelled.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _warmUp.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host gave up waiting for its services to stop; the pool's disposal ends the rest.
        }
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>The pool's warm-up; never throws (see the remarks).</summary>
    private static async Task WarmUpAsync(ResourcePool<T> pool, CancellationToken cancellationToken)
    {
        try
        {
            await pool.WarmUpAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Logged and counted by the pool, or cancelled because the host stops.
        }
    }
}
