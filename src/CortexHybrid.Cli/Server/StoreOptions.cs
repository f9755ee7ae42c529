using System.CommandLine;
using CortexHybrid.Memory;
using CortexHybrid.Search;
using Microsoft.Extensions.Logging;

namespace CortexHybrid.Cli.Server;

/// <summary>The options <c>cortex mcp</c>, <c>cortex serve</c> and <c>cortex demo</c> share about the memory.</summary>
internal static class StoreOptions
{
    /// <summary>A new <c>--store DIR</c> option.</summary>
    public static Option<string?> Store() => new("--store")
    {
        Description = $"The memory's directory (created, readable by you only, when missing). Default: ${MemoryPaths.StoreVariable}, else {MemoryPaths.DefaultStoreDirectory()}.",
    };

    /// <summary>A new <c>--log-level</c> option.</summary>
    public static Option<LogLevel> LogLevelOption() => new("--log-level")
    {
        Description = "The least severe log messages written to standard error: Trace, Debug, Information, Warning, Error, Critical or None.",
        DefaultValueFactory = _ => LogLevel.Information,
    };

    /// <summary>A new <c>--index-storage float32|bfloat16|int8</c> option (see <see cref="SemanticMemoryOptions.IndexStorage"/>).</summary>
    public static Option<VectorStorage> IndexStorage() => CliOptions.ChoiceOption(
        "--index-storage",
        "How the in-memory index holds vectors: float32 (default, exact), bfloat16 or int8 (fewer bytes scanned per recall; the best candidates are rescored in float32, so scores stay exact). The store keeps float32 either way.",
        "float32, bfloat16 (or bf16) or int8",
        new Dictionary<string, VectorStorage>(StringComparer.OrdinalIgnoreCase)
        {
            ["float32"] = VectorStorage.Float32,
            ["f32"] = VectorStorage.Float32,
            ["bfloat16"] = VectorStorage.BFloat16,
            ["bf16"] = VectorStorage.BFloat16,
            ["int8"] = VectorStorage.Int8,
            ["i8"] = VectorStorage.Int8,
        },
        VectorStorage.Float32);

    /// <summary>A new <c>--index-prefilter N</c> option (see <see cref="SemanticMemoryOptions.IndexSignPrefilter"/>).</summary>
    public static Option<int> IndexPrefilter() => CliOptions.WholeNumberOption(
        "--index-prefilter",
        "Compare element signs first and search only the best N x k memories of each recall (approximate: faster on large memories, may miss a memory); 0 (default) searches every memory.",
        0,
        VectorIndex.MaxSignPrefilter,
        0);

    /// <summary>The store directory given, or the default.</summary>
    public static string Directory(string? given) => string.IsNullOrWhiteSpace(given) ? MemoryPaths.DefaultStoreDirectory() : Path.GetFullPath(given);
}
