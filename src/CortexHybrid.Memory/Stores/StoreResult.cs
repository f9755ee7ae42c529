namespace CortexHybrid.Memory.Stores;

/// <summary>What storing one draft did.</summary>
/// <param name="Id">The memory's id.</param>
/// <param name="Added">True when the draft was stored; false when the same text was already stored, under <paramref name="Id"/>.</param>
public readonly record struct StoreResult(long Id, bool Added);
