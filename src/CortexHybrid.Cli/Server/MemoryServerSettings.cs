using CortexHybrid.Search;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CortexHybrid.Cli.Server;

/// <summary>What <c>cortex mcp</c> and <c>cortex serve</c> were told about the memory.</summary>
internal sealed record MemoryServerSettings
{
    /// <summary>The store directory (created owner-only when missing).</summary>
    public required string StoreDirectory { get; init; }

    /// <summary>A PostgreSQL connection string: the store of record is shared PostgreSQL, not SQLite in <see cref="StoreDirectory"/>. Never logged (the store redacts its password).</summary>
    public string? PostgresConnection { get; init; }

    /// <summary>A Redis connection (owned by the caller): query embeddings are shared through it; recall responses stay in this instance's levels 1 and 2.</summary>
    public IConnectionMultiplexer? Redis { get; init; }

    /// <summary>Where the model file is extracted; null for the default under the user's data folder.</summary>
    public string? ModelDirectory { get; init; }

    /// <summary>How the in-memory index holds vectors (<c>--index-storage</c>; see <see cref="CortexHybrid.Memory.SemanticMemoryOptions.IndexStorage"/>).</summary>
    public VectorStorage IndexStorage { get; init; } = VectorStorage.Float32;

    /// <summary>The index's sign-bit prefilter factor, 0 for none (<c>--index-prefilter</c>; see <see cref="CortexHybrid.Memory.SemanticMemoryOptions.IndexSignPrefilter"/>).</summary>
    public int IndexSignPrefilter { get; init; }

    /// <summary>Whether the memory warms its recall cache at start with the most frequent recalls of earlier runs (and records them for the next); see <see cref="CortexHybrid.Memory.SemanticMemoryOptions.WarmQueries"/>.</summary>
    public bool WarmRecallCache { get; init; } = true;

    /// <summary>Whether the index rebuild shows a progress line on standard error.</summary>
    public bool ShowProgress { get; init; } = true;

    /// <summary>The least severe log level written to standard error.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;
}
