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
    /// The model starts loading (a second or two) when the generator is first resolved, which a
    /// registered <see cref="CortexHybrid.Memory.SemanticMemory"/> does as the host starts; the
    /// memory opens its store and rebuilds its index meanwhile, and embedding calls made before the
    /// load completes wait for it. A load that fails is logged and fails those calls.
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
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(provider => new LoadingEmbeddingGenerator(token =>
            MiniLmEmbeddingGenerator.CreateAsync(options, provider.GetService<ILoggerFactory>(), ServiceResolution.Time(provider), token)));
        return services;
    }
}
