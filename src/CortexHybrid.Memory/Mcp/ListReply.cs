namespace CortexHybrid.Memory.Mcp;

/// <summary>What the <c>list_memories</c> tool returns.</summary>
/// <param name="Total">Memories stored (with the tag, when one was given).</param>
/// <param name="Memories">The most recent of them, newest first.</param>
public sealed record ListReply(long Total, IReadOnlyList<MemoryRecord> Memories);
