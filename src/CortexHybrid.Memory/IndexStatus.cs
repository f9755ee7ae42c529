namespace CortexHybrid.Memory;

/// <summary>The in-memory vector index of a <see cref="SemanticMemory"/>.</summary>
/// <param name="Rows">Vectors in it (one per memory).</param>
/// <param name="MemoryBytes">Bytes it holds (rows, ids, norms).</param>
/// <param name="Kernel">The similarity kernel it searches with.</param>
public sealed record IndexStatus(long Rows, long MemoryBytes, string Kernel);
