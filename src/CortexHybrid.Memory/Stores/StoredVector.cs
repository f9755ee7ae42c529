namespace CortexHybrid.Memory.Stores;

/// <summary>A stored memory's id and embedding, as the index is rebuilt from them.</summary>
/// <param name="Id">The memory's id.</param>
/// <param name="Vector">Its embedding.</param>
public readonly record struct StoredVector(long Id, float[] Vector);
