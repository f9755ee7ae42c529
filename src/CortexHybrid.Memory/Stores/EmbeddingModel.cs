namespace CortexHybrid.Memory.Stores;

/// <summary>The embedding model a store's vectors come from: a store holds vectors of one model only.</summary>
/// <param name="Id">The model's id, e.g. <c>sentence-transformers/all-MiniLM-L6-v2</c>.</param>
/// <param name="Dimensions">The length of its vectors.</param>
public sealed record EmbeddingModel(string Id, int Dimensions)
{
    /// <inheritdoc />
    public override string ToString() => $"{Id} ({Dimensions} dimensions)";
}
