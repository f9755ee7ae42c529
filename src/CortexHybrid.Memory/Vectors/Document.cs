namespace CortexHybrid.Memory.Vectors;

/// <summary>A stored document's metadata: what a search hit carries besides its id and score.</summary>
/// <param name="Id">The id of the document's vector in the <see cref="CortexHybrid.Search.VectorIndex"/>.</param>
/// <param name="Title">A short title; not null.</param>
/// <param name="Body">The text; not null.</param>
public sealed record Document(long Id, string Title, string Body);
