namespace CortexHybrid.Memory.Stores;

/// <summary>A store as opened.</summary>
/// <param name="Model">The embedding model its vectors come from.</param>
/// <param name="Count">Memories it holds.</param>
/// <param name="Created">True when opening created it.</param>
public sealed record MemoryStoreInfo(EmbeddingModel Model, long Count, bool Created);
