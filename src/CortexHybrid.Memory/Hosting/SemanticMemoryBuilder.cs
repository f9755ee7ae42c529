using CortexHybrid.Hosting;
using CortexHybrid.Memory.Stores;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CortexHybrid.Memory.Hosting;

/// <summary>Configures the <see cref="SemanticMemory"/> registered by <c>services.AddSemanticMemory(...)</c>: its store, its embeddings, its options.</summary>
public sealed class SemanticMemoryBuilder
{
    private readonly SettingsValidator<SemanticMemoryOptions> _validator;

    internal SemanticMemoryBuilder(IServiceCollection services, OptionsBuilder<SemanticMemoryOptions> options, SettingsValidator<SemanticMemoryOptions> validator)
    {
        Services = services;
        Options = options;
        _validator = validator;
    }

    /// <summary>The services the memory is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The memory's options.</summary>
    public OptionsBuilder<SemanticMemoryOptions> Options { get; }

    /// <summary>Builds the store; default: a <see cref="SqliteMemoryStore"/> in <see cref="MemoryPaths.DefaultStoreDirectory"/>.</summary>
    internal Func<IServiceProvider, IMemoryStore> Store { get; private set; } = static _ => new SqliteMemoryStore(MemoryPaths.DefaultStoreDirectory());

    /// <summary>Builds the embedding generator; default: the app's registered one, else none (registration then fails at start).</summary>
    internal Func<IServiceProvider, IEmbeddingGenerator<string, Embedding<float>>>? Embeddings { get; private set; }

    /// <summary>Binds the options to a configuration section, e.g. <c>"Cortex:Memory"</c>; a bad value fails the host's start with a message naming the setting.</summary>
    /// <param name="sectionPath">The section's path in the app's <see cref="IConfiguration"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="sectionPath"/> is null or empty.</exception>
    public SemanticMemoryBuilder BindConfiguration(string sectionPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(sectionPath);
        Options.BindConfiguration(sectionPath);
        _validator.SectionPath = sectionPath;
        return this;
    }

    /// <summary>Keeps the memory in a <see cref="SqliteMemoryStore"/> in <paramref name="directory"/>.</summary>
    /// <param name="directory">The store directory (created, owner-only, when missing).</param>
    /// <param name="options">The store's settings; null for the defaults.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is null or white space.</exception>
    public SemanticMemoryBuilder UseSqliteStore(string directory, SqliteMemoryStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string full = Path.GetFullPath(directory);
        Store = provider => new SqliteMemoryStore(full, options, ServiceResolution.Time(provider));
        return this;
    }

    /// <summary>Keeps the memory in the store <paramref name="store"/> builds (PostgreSQL, say).</summary>
    /// <param name="store">Builds the store, once.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is null.</exception>
    public SemanticMemoryBuilder UseStore(Func<IServiceProvider, IMemoryStore> store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Store = store;
        return this;
    }

    /// <summary>Embeds with the generator <paramref name="embeddings"/> builds instead of the app's registered <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>.</summary>
    /// <param name="embeddings">Builds the generator, once.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="embeddings"/> is null.</exception>
    public SemanticMemoryBuilder UseEmbeddings(Func<IServiceProvider, IEmbeddingGenerator<string, Embedding<float>>> embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        Embeddings = embeddings;
        return this;
    }
}
