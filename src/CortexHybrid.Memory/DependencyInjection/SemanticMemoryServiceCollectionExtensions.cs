using CortexHybrid.Hosting;
using CortexHybrid.Memory;
using CortexHybrid.Memory.Hosting;
using CortexHybrid.Memory.Stores;
using CortexHybrid.Metrics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a <see cref="SemanticMemory"/>.</summary>
public static class SemanticMemoryServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="SemanticMemory"/> that a hosted service opens when the host
    /// starts (before transports registered after this call). Its store is a SQLite store in
    /// <see cref="MemoryPaths.DefaultStoreDirectory"/> unless the builder says otherwise; its
    /// embeddings come from the builder's <see cref="SemanticMemoryBuilder.UseEmbeddings"/> or the
    /// app's registered <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>. The monitor is the
    /// app's registered <see cref="PerformanceMonitor"/> when there is one; the clock and logger come
    /// from the container. Options are validated when the host starts. An app-registered
    /// <see cref="IProgress{T}"/> of <see cref="MemoryLoadProgress"/> is told how the index rebuild goes.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options; null for the defaults.</param>
    /// <returns>A builder for the store, the embeddings and configuration binding.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static SemanticMemoryBuilder AddSemanticMemory(this IServiceCollection services, Action<SemanticMemoryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<SemanticMemoryOptions> options = services.AddOptions<SemanticMemoryOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        var validator = new SettingsValidator<SemanticMemoryOptions>(Options.Options.DefaultName, "SemanticMemory", static o => o.Check());
        services.AddSingleton<IValidateOptions<SemanticMemoryOptions>>(validator);
        options.ValidateOnStart();
        var builder = new SemanticMemoryBuilder(services, options, validator);

        services.AddSingleton(provider => new MemoryStoreHolder(builder.Store(provider)));
        services.AddSingleton(provider =>
        {
            IEmbeddingGenerator<string, Embedding<float>> embeddings = builder.Embeddings?.Invoke(provider)
                ?? provider.GetService<IEmbeddingGenerator<string, Embedding<float>>>()
                ?? throw new InvalidOperationException(
                    "AddSemanticMemory needs an embedding generator: register an IEmbeddingGenerator<string, Embedding<float>> or call UseEmbeddings (AddMiniLmEmbeddings for the built-in model).");
            return new SemanticMemory(
                provider.GetRequiredService<MemoryStoreHolder>().Store,
                embeddings,
                provider.GetRequiredService<IOptions<SemanticMemoryOptions>>().Value,
                monitor: provider.GetService<PerformanceMonitor>(),
                logger: ServiceResolution.Logger<SemanticMemory>(provider),
                timeProvider: ServiceResolution.Time(provider),
                embeddingCache: builder.EmbeddingCache?.Invoke(provider));
        });
        services.AddSingleton<IHostedService>(provider => new SemanticMemoryStarter(
            provider.GetRequiredService<SemanticMemory>(),
            provider.GetService<IProgress<MemoryLoadProgress>>()));
        return builder;
    }

    /// <summary>The store, owned by the container (disposed with it, after the memory that uses it).</summary>
    private sealed class MemoryStoreHolder(IMemoryStore store) : IAsyncDisposable
    {
        public IMemoryStore Store { get; } = store;

        public ValueTask DisposeAsync() => Store.DisposeAsync();
    }
}
