namespace CortexHybrid.Memory.Stores;

/// <summary>A recall request and how often it was asked, kept so the next start can warm its cache.</summary>
/// <param name="Request">The request, in the memory's own encoding (opaque to the store; at most <see cref="MaxRequestLength"/> characters).</param>
/// <param name="Count">How often it was asked, aged: each save halves the counts already stored before adding the new ones.</param>
public sealed record FrequentQuery(string Request, long Count)
{
    /// <summary>The longest request a store keeps; longer ones are not recorded.</summary>
    public const int MaxRequestLength = 4096;

    /// <summary>The most requests a store keeps: the most frequent after each save.</summary>
    public const int MaxKept = 1000;
}
