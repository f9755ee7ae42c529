using CortexHybrid.Pooling;
using CortexHybrid.Tests.Pooling;

namespace CortexHybrid.Tests.Hosting;

/// <summary>A <see cref="FakeResourceFactory"/> whose <see cref="DestroyAsync"/> throws while <see cref="FailDestroy"/> is set (after destroying).</summary>
internal sealed class DestroyFailingFactory : IResourceFactory<FakeResource>
{
    public FakeResourceFactory Inner { get; } = new();

    public bool FailDestroy { get; set; }

    public ValueTask<FakeResource> CreateAsync(CancellationToken cancellationToken) => Inner.CreateAsync(cancellationToken);

    public ValueTask<bool> ValidateAsync(FakeResource resource, CancellationToken cancellationToken) => Inner.ValidateAsync(resource, cancellationToken);

    public ValueTask ResetAsync(FakeResource resource, CancellationToken cancellationToken) => Inner.ResetAsync(resource, cancellationToken);

    public async ValueTask DestroyAsync(FakeResource resource)
    {
        await Inner.DestroyAsync(resource);
        if (FailDestroy)
        {
            throw new IOException("destroy failed (test)");
        }
    }
}
