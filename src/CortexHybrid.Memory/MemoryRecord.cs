namespace CortexHybrid.Memory;

/// <summary>One remembered text, as stored.</summary>
/// <param name="Id">Its id: assigned by the store, never reused.</param>
/// <param name="Text">The text, as remembered (leading and trailing white space removed).</param>
/// <param name="Tags">Its tags, in the order given, without duplicates.</param>
/// <param name="Metadata">Its metadata: string keys and values.</param>
/// <param name="StoredAt">When it was remembered.</param>
public sealed record MemoryRecord(long Id, string Text, IReadOnlyList<string> Tags, IReadOnlyDictionary<string, string> Metadata, DateTimeOffset StoredAt);
