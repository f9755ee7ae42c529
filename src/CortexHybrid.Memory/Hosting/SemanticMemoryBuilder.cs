using CortexHybrid.Hosting;
using CortexHybrid.Caching;
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

    /// <summary>Builds the store; default: a <see cref="SqliteMemoryStore"/> in <see cref="MemoryPaths.DefaultStoreDirectory"/>; <see cref="UseSqliteStore"/>, <see cref="UsePostgresStore"/> or <see cref="UseStore"/> choose another.</summary>
    internal Func<IServiceProvider, IMemoryStore> Store { get; private set; } = static _ => new SqliteMemoryStore(MemoryPaths.DefaultStoreDirectory());

    /// <summary>Builds the embedding generator; default: the app's registered one, else none (registration then fails at start).</summary>
    internal Func<IServiceProvider, IEmbeddingGenerator<string, Embedding<float>>>? Embeddings { get; private set; }

    /// <summary>Builds the cache for query embeddings; default: none (the memory's own cache holds them).</summary>
    internal Func<IServiceProvider, TieredCache>? EmbeddingCache { get; private set; }

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

    /// <summary>
    /// Keeps the memory in a <see cref="PostgresMemoryStore"/> on the database
    /// <paramref name="connectionString"/> names, shared with every other instance configured alike:
    /// the memory follows the store's change feed, so its index is a replica of the shared store.
    /// </summary>
    /// <param name="connectionString">An Npgsql connection string (<c>Host=…;Port=…;Database=…;Username=…;Password=…</c>); its password never appears in the store's description, logs or errors.</param>
    /// <param name="configure">Sets the store's options (schema, timeouts, change feed); null for the defaults.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is null or white space, or a configured option is not a valid schema name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A configured option is out of range; the message names it.</exception>
    /// <remarks>
    /// The options are checked here; the connection string is parsed when the store is first
    /// resolved, and the server is first reached when the host starts and the memory opens.
    /// The store's clock and logger come from the container.
    /// </remarks>
    public SemanticMemoryBuilder UsePostgresStore(string connectionString, Action<PostgresMemoryStoreOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var options = new PostgresMemoryStoreOptions();
        configure?.Invoke(options);
        PostgresMemoryStoreOptions validated = options.Validated();
        Store = provider => new PostgresMemoryStore(connectionString, validated, ServiceResolution.Time(provider), ServiceResolution.Logger<PostgresMemoryStore>(provider));
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

    /// <summary>
    /// Keeps query embeddings in the cache <paramref name="cache"/> builds (one whose level 3 is
    /// shared through Redis, say) instead of the memory's own cache. Embeddings are a pure function
    /// of the text and the model, so instances of one model may share them; recall responses stay in
    /// the memory's own cache, keyed by this instance's generation.
    /// </summary>
    /// <param name="cache">Builds the cache, once; the container, not the memory, disposes what it registers.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="cache"/> is null.</exception>
    public SemanticMemoryBuilder UseEmbeddingCache(Func<IServiceProvider, TieredCache> cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        EmbeddingCache = cache;
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
