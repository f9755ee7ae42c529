using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CortexHybrid.Simd;

/// <summary>
/// Plain loops with four independent accumulators (element <c>i</c> goes to accumulator
/// <c>i % 4</c>, the tail to the first ones): the path for machines without SIMD, and for vectors
/// shorter than one <c>Vector128</c>.
/// </summary>
internal readonly struct ScalarEngine : IKernelEngine
{
    public static KernelBackend Backend => KernelBackend.Scalar;

    public static string Description => "scalar";

    public static float Sum<TTerm>(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
        where TTerm : struct, IPairTerm
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        int n = x.Length;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; n - i >= 4; i += 4)
        {
            s0 = TTerm.Accumulate(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i), s0);
            s1 = TTerm.Accumulate(Unsafe.Add(ref xs, i + 1), Unsafe.Add(ref ys, i + 1), s1);
            s2 = TTerm.Accumulate(Unsafe.Add(ref xs, i + 2), Unsafe.Add(ref ys, i + 2), s2);
            s3 = TTerm.Accumulate(Unsafe.Add(ref xs, i + 3), Unsafe.Add(ref ys, i + 3), s3);
        }

        if (i < n)
        {
            s0 = TTerm.Accumulate(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i), s0);
        }

        if (i + 1 < n)
        {
            s1 = TTerm.Accumulate(Unsafe.Add(ref xs, i + 1), Unsafe.Add(ref ys, i + 1), s1);
        }

        if (i + 2 < n)
        {
            s2 = TTerm.Accumulate(Unsafe.Add(ref xs, i + 2), Unsafe.Add(ref ys, i + 2), s2);
        }

        return (s0 + s1) + (s2 + s3);
    }

    // Three Sum passes rather than one fused loop: a scalar loop is bound by its arithmetic, not by
    // reading data that is in L1 by the second pass, and each stream keeps Sum's exact order.
    public static float CosineParts<TNormX>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, out float xx, out float yy)
        where TNormX : struct, INormXSwitch
    {
        xx = TNormX.Enabled ? Sum<DotTerm>(x, x) : 0f;
        yy = Sum<DotTerm>(y, y);
        return Sum<DotTerm>(x, y);
    }

    public static float CosineRowPair(ReadOnlySpan<float> q, ReadOnlySpan<float> a, ReadOnlySpan<float> b, out float aa, out float qb, out float bb)
    {
        qb = CosineParts<WithoutNormX>(q, b, out _, out bb);
        return CosineParts<WithoutNormX>(q, a, out _, out aa);
    }
}
