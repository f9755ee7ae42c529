namespace CortexHybrid.Memory.Mcp;

/// <summary>What the <c>recall</c> tool returns.</summary>
/// <param name="Hits">The memories closest in meaning, best first.</param>
public sealed record RecallReply(IReadOnlyList<RecallHit> Hits);
