namespace CortexHybrid.Memory;

/// <summary>How far <see cref="SemanticMemory.OpenAsync"/> has come rebuilding the index from the store.</summary>
/// <param name="Loaded">Memories in the index so far.</param>
/// <param name="Total">Memories in the store when the opening began.</param>
public readonly record struct MemoryLoadProgress(long Loaded, long Total);
