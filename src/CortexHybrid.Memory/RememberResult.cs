namespace CortexHybrid.Memory;

/// <summary>What <see cref="SemanticMemory.RememberAsync"/> did.</summary>
/// <param name="Id">The memory's id.</param>
/// <param name="Added">True when the text was stored now; false when the same text was already stored, under <paramref name="Id"/> (its tags and metadata unchanged).</param>
public readonly record struct RememberResult(long Id, bool Added);
