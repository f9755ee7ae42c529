using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;

namespace CortexHybrid.Caching;

/// <summary>How a <see cref="TieredHybridCache"/> fills in what a call leaves out.</summary>
public sealed class TieredHybridCacheOptions
{
    /// <summary>
    /// Entry options for a call that passes none, or passes some with <see cref="HybridCacheEntryOptions.Expiration"/>
    /// or <see cref="HybridCacheEntryOptions.Flags"/> null: its <see cref="HybridCacheEntryOptions.Expiration"/>
    /// is the time to live (when it too is null, <see cref="TieredCacheOptions.DefaultTtl"/> applies) and its
    /// <see cref="HybridCacheEntryOptions.Flags"/> the flags. Null for neither.
    /// </summary>
    public HybridCacheEntryOptions? DefaultEntryOptions { get; set; }

    /// <summary>
    /// The options of the JSON serializer used for types that have no registered serializer (every
    /// type but <see cref="string"/> and <see cref="byte"/>[]). Null for <see cref="JsonSerializerOptions.Default"/>,
    /// as Microsoft's <see cref="HybridCache"/> uses. A trimmed or native AOT app passes options whose
    /// <see cref="JsonSerializerOptions.TypeInfoResolver"/> is a source-generated context, or registers
    /// an <see cref="IHybridCacheSerializer{T}"/>. The adapter makes these options read-only on first use.
    /// </summary>
    public JsonSerializerOptions? JsonSerializerOptions { get; set; }
}
