namespace CortexHybrid.Memory;

/// <summary>One memory recalled for a query, with its similarity to it.</summary>
/// <param name="Id">The memory's id.</param>
/// <param name="Score">The cosine similarity of the memory's embedding to the query's, from -1 to 1 (higher is closer).</param>
/// <param name="Text">The memory's text.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="Metadata">Its metadata.</param>
/// <param name="StoredAt">When it was remembered.</param>
public sealed record RecallHit(long Id, float Score, string Text, IReadOnlyList<string> Tags, IReadOnlyDictionary<string, string> Metadata, DateTimeOffset StoredAt);
