namespace CortexHybrid.Memory.Stores;

/// <summary>A memory to store: validated and embedded, not yet given an id.</summary>
/// <param name="Text">The text (trimmed, non-empty).</param>
/// <param name="Tags">Its tags (validated, without duplicates).</param>
/// <param name="Metadata">Its metadata (validated).</param>
/// <param name="Vector">Its embedding, of the store's model's dimension, normalized.</param>
/// <param name="StoredAt">When it was remembered.</param>
public sealed record MemoryDraft(string Text, IReadOnlyList<string> Tags, IReadOnlyDictionary<string, string> Metadata, ReadOnlyMemory<float> Vector, DateTimeOffset StoredAt);
