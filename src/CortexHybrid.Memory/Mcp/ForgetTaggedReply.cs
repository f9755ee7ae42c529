namespace CortexHybrid.Memory.Mcp;

/// <summary>What the <c>forget_tagged</c> tool returns.</summary>
/// <param name="Tag">The tag, trimmed.</param>
/// <param name="Forgotten">How many memories were forgotten; 0 when none carried the tag.</param>
/// <param name="Ids">Their ids, ascending.</param>
public sealed record ForgetTaggedReply(string Tag, int Forgotten, IReadOnlyList<long> Ids);
