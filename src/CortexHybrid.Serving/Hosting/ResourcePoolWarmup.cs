using CortexHybrid.Pooling;
using Microsoft.Extensions.Hosting;

namespace CortexHybrid.Hosting;

/// <summary>
/// Fills a registered pool to <see cref="ResourcePoolOptions.MinSize"/> when the host starts. A
/// factory that fails then does not fail the start (a database may come up later): the failure is
/// logged by the pool (event 1001), counted, reported by the pool's health check, and retried by
/// the pool's maintenance.
/// </summary>
internal sealed class ResourcePoolWarmup<T>(Func<ResourcePool<T>> pool) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await pool().WarmUpAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Logged and counted by the pool; see the remarks.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
