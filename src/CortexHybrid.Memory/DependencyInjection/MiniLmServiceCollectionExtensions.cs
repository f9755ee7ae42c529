using CortexHybrid.Hosting;
using CortexHybrid.Memory.Embeddings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the built-in embedding model.</summary>
public static class MiniLmServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="MiniLmEmbeddingGenerator"/> (all-MiniLM-L6-v2, 384 dimensions, in process,
    /// no download) as the app's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of strings.
    /// The model loads (seconds) when the generator is first resolved: a registered
    /// <see cref="CortexHybrid.Memory.SemanticMemory"/> resolves it while the host starts.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the generator's options (encoders, batch size, token limit, model directory); null for the defaults.</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddMiniLmEmbeddings(this IServiceCollection services, Action<MiniLmEmbeddingGeneratorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new MiniLmEmbeddingGeneratorOptions();
        configure?.Invoke(options);
        services.AddSingleton(provider =>
            // Resolution is synchronous; the load is not. It runs once, at the host's start, on a
            // thread with no synchronization context, so waiting for it here cannot deadlock.
            MiniLmEmbeddingGenerator.CreateAsync(options, provider.GetService<ILoggerFactory>(), ServiceResolution.Time(provider))
                .GetAwaiter().GetResult());
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(provider => provider.GetRequiredService<MiniLmEmbeddingGenerator>());
        return services;
    }
}
