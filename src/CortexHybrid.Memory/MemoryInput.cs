namespace CortexHybrid.Memory;

/// <summary>A text to remember, with its optional tags and metadata (for <see cref="SemanticMemory.RememberManyAsync"/>).</summary>
/// <param name="Text">The text.</param>
/// <param name="Tags">Its tags; null for none.</param>
/// <param name="Metadata">Its metadata; null for none.</param>
public sealed record MemoryInput(string Text, IReadOnlyList<string>? Tags = null, IReadOnlyDictionary<string, string>? Metadata = null);
