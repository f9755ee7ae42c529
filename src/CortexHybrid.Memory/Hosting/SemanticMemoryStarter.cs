using Microsoft.Extensions.Hosting;

namespace CortexHybrid.Memory.Hosting;

/// <summary>
/// Opens the registered memory when the host starts (the store, then the index rebuilt from it),
/// so that transports registered after it serve an open memory. An opening that fails (a locked or
/// unwritable store, another model) fails the host's start.
/// </summary>
internal sealed class SemanticMemoryStarter(SemanticMemory memory, IProgress<MemoryLoadProgress>? progress) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        memory.IsOpen ? Task.CompletedTask : memory.OpenAsync(progress, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
