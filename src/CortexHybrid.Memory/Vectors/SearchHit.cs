namespace CortexHybrid.Memory.Vectors;

/// <summary>One hit of <see cref="VectorCorpusPipeline.SearchAsync"/>: the vector's id and score, with its document.</summary>
/// <param name="Id">The id of the stored vector.</param>
/// <param name="Score">Its score, as <see cref="CortexHybrid.Search.VectorIndex.Search(System.ReadOnlySpan{float}, int)"/> gives it (cosine, dot product or squared distance).</param>
/// <param name="Title">The title of the document stored for <paramref name="Id"/>; empty when none is stored.</param>
/// <param name="Body">The body of that document; empty when none is stored.</param>
public sealed record SearchHit(long Id, float Score, string Title, string Body);
