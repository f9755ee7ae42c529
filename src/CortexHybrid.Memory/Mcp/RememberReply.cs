namespace CortexHybrid.Memory.Mcp;

/// <summary>What the <c>remember</c> tool returns.</summary>
/// <param name="Id">The memory's id.</param>
/// <param name="Added">False when the same text was already stored (under this id).</param>
public sealed record RememberReply(long Id, bool Added);
