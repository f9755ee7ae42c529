namespace CortexHybrid.Tests.Simd;

/// <summary>The guard page for the quantized element types.</summary>
public sealed unsafe partial class GuardedMemory
{
    /// <summary>A span of <paramref name="values"/>.Length int8 elements ending exactly at the guard page.</summary>
    public Span<sbyte> AtEnd(ReadOnlySpan<sbyte> values)
    {
        Assert.True(values.Length <= PageSize);
        var span = new Span<sbyte>(_base + PageSize - values.Length, values.Length);
        values.CopyTo(span);
        return span;
    }

    /// <summary>A span of <paramref name="values"/>.Length bf16 elements ending exactly at the guard page.</summary>
    public Span<ushort> AtEnd(ReadOnlySpan<ushort> values)
    {
        Assert.True(values.Length * sizeof(ushort) <= PageSize);
        var span = new Span<ushort>(_base + PageSize - (values.Length * sizeof(ushort)), values.Length);
        values.CopyTo(span);
        return span;
    }
}
