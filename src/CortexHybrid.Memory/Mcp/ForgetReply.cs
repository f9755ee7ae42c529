namespace CortexHybrid.Memory.Mcp;

/// <summary>What the <c>forget</c> tool returns.</summary>
/// <param name="Id">The id forgotten.</param>
/// <param name="Forgotten">Always true (an unknown id is an error result).</param>
public sealed record ForgetReply(long Id, bool Forgotten);
