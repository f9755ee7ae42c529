using Microsoft.Extensions.AI;

namespace CortexHybrid.Memory.Embeddings;

/// <summary>
/// A <see cref="MiniLmEmbeddingGenerator"/> that starts loading when it is created and answers
/// once loaded: its metadata (model, dimensions) is known at once, so a memory can open its store
/// and rebuild its index while the model loads, and a store that cannot be opened fails the start
/// in milliseconds rather than after the model's seconds. Calls made before the load completes
/// wait for it; a load that failed fails them with its exception.
/// </summary>
internal sealed class LoadingEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>, IAsyncDisposable
{
    private static readonly EmbeddingGeneratorMetadata Metadata = new(MiniLmEmbeddingGenerator.ProviderName, null, MiniLmEmbeddingGenerator.ModelId, MiniLmEmbeddingGenerator.Dimensions);

    private readonly Task<MiniLmEmbeddingGenerator> _loading;
    private readonly CancellationTokenSource _disposal = new();

    public LoadingEmbeddingGenerator(Func<CancellationToken, Task<MiniLmEmbeddingGenerator>> load)
    {
        _loading = Task.Run(() => load(_disposal.Token));
    }

    /// <summary>The load (for a host that wants to wait for it, or to see it fail).</summary>
    public Task<MiniLmEmbeddingGenerator> Loading => _loading;

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        MiniLmEmbeddingGenerator generator = await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await generator.GenerateAsync(values, options, cancellationToken).ConfigureAwait(false);
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(EmbeddingGeneratorMetadata))
        {
            return Metadata;
        }

        if (serviceType.IsInstanceOfType(this))
        {
            return this;
        }

        return _loading.IsCompletedSuccessfully ? _loading.Result.GetService(serviceType, serviceKey) : null;
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        await _disposal.CancelAsync().ConfigureAwait(false);
        try
        {
            await (await _loading.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The load failed or was cancelled by this disposal: nothing was loaded to release.
        }

        _disposal.Dispose();
    }
}
