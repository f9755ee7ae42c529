namespace CortexHybrid.Simd;

/// <summary>
/// Whether a cosine pass also sums <c>x·x</c>: pair cosine does; a batch row does not (the query's
/// norm is computed once). A struct type argument, so the JIT drops the unused stream.
/// </summary>
internal interface INormXSwitch
{
    /// <summary>True when <c>x·x</c> is summed.</summary>
    static abstract bool Enabled { get; }
}

/// <summary>Sum <c>x·x</c> too.</summary>
internal readonly struct WithNormX : INormXSwitch
{
    public static bool Enabled => true;
}

/// <summary>Skip <c>x·x</c> (reported as 0).</summary>
internal readonly struct WithoutNormX : INormXSwitch
{
    public static bool Enabled => false;
}
