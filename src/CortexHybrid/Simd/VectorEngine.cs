using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CortexHybrid.Simd;

/// <summary>
/// The managed SIMD loops for one vector width, falling back to <typeparamref name="TNarrower"/>
/// when the width is not hardware-accelerated or the input is shorter than one vector. Chained
/// 512 ► 256 ► 128 ► scalar, the order TensorPrimitives uses.
/// </summary>
/// <remarks>
/// Order of a pass: groups of four vectors into accumulators 0-3; then up to three whole vectors
/// into accumulators 0, 1, 2; then the last <c>Count</c> floats (overlapping what was already
/// summed, those lanes zeroed) into accumulator 3; then <c>(s0 + s1) + (s2 + s3)</c>. Below two
/// vectors a shorter path gives the same bits (see <c>ShortSum</c>). Cosine keeps two
/// accumulators per stream: pairs of vectors into 0 and 1, then one whole vector into 0, the last
/// <c>Count</c> floats into 1, then <c>s0 + s1</c>.
/// </remarks>
internal readonly struct VectorEngine<TVector, TIsa, TNarrower> : IKernelEngine
    where TVector : struct
    where TIsa : struct, IVectorIsa<TVector>
    where TNarrower : struct, IKernelEngine
{
    public static KernelBackend Backend => KernelBackend.Managed;

    public static string Description =>
        TIsa.IsHardwareAccelerated ? $"managed Vector{TIsa.Bits}"
        : TNarrower.Backend == KernelBackend.Managed ? TNarrower.Description
        : "managed (no hardware SIMD: scalar loops)";

    public static float Sum<TTerm>(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
        where TTerm : struct, IPairTerm
    {
        if (!TIsa.IsHardwareAccelerated || x.Length < TIsa.Count)
        {
            return TNarrower.Sum<TTerm>(x, y);
        }

        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, width = (nuint)TIsa.Count, i = 0;
        if (n < 2 * width)
        {
            return ShortSum<TTerm>(ref xs, ref ys, n);
        }

        TVector s0 = TIsa.Zero, s1 = s0, s2 = s0, s3 = s0;
        for (; n - i >= 4 * width; i += 4 * width)
        {
            s0 = TTerm.Accumulate<TVector, TIsa>(TIsa.Load(ref xs, i), TIsa.Load(ref ys, i), s0);
            s1 = TTerm.Accumulate<TVector, TIsa>(TIsa.Load(ref xs, i + width), TIsa.Load(ref ys, i + width), s1);
            s2 = TTerm.Accumulate<TVector, TIsa>(TIsa.Load(ref xs, i + (2 * width)), TIsa.Load(ref ys, i + (2 * width)), s2);
            s3 = TTerm.Accumulate<TVector, TIsa>(TIsa.Load(ref xs, i + (3 * width)), TIsa.Load(ref ys, i + (3 * width)), s3);
        }

        if (n - i >= width)
        {
            s0 = TTerm.Accumulate<TVector, TIsa>(TIsa.Load(ref xs, i), TIsa.Load(ref ys, i), s0);
            i += width;
        }

        if (n - i >= width)
        {
            s1 = TTerm.Accumulate<TVector, TIsa>(TIsa.Load(ref xs, i), TIsa.Load(ref ys, i), s1);
            i += width;
        }

        if (n - i >= width)
        {
            s2 = TTerm.Accumulate<TVector, TIsa>(TIsa.Load(ref xs, i), TIsa.Load(ref ys, i), s2);
            i += width;
        }

        if (i < n)
        {
            int tail = (int)(n - i);
            TVector a = TIsa.KeepLast(TIsa.Load(ref xs, n - width), tail);
            TVector b = TIsa.KeepLast(TIsa.Load(ref ys, n - width), tail);
            s3 = TTerm.Accumulate<TVector, TIsa>(a, b, s3);
        }

        return Total(s0, s1, s2, s3);
    }

    public static float CosineParts<TNormX>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, out float xx, out float yy)
        where TNormX : struct, INormXSwitch
    {
        if (!TIsa.IsHardwareAccelerated || x.Length < TIsa.Count)
        {
            return TNarrower.CosineParts<TNormX>(x, y, out xx, out yy);
        }

        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, width = (nuint)TIsa.Count, i = 0;
        if (n < 2 * width)
        {
            return ShortCosineParts<TNormX>(ref xs, ref ys, n, out xx, out yy);
        }

        // Two accumulators per stream, not four: three streams already give six independent FMA
        // chains, and the four-way totals cost more than they saved below a few hundred floats
        // (64 and 128 floats were 1.25x TensorPrimitives with four).
        TVector xy0 = TIsa.Zero, xy1 = xy0, xx0 = xy0, xx1 = xy0, yy0 = xy0, yy1 = xy0;
        TVector a, b;
        for (; n - i >= 2 * width; i += 2 * width)
        {
            a = TIsa.Load(ref xs, i);
            b = TIsa.Load(ref ys, i);
            xy0 = TIsa.MultiplyAdd(a, b, xy0);
            xx0 = TNormX.Enabled ? TIsa.MultiplyAdd(a, a, xx0) : xx0;
            yy0 = TIsa.MultiplyAdd(b, b, yy0);

            a = TIsa.Load(ref xs, i + width);
            b = TIsa.Load(ref ys, i + width);
            xy1 = TIsa.MultiplyAdd(a, b, xy1);
            xx1 = TNormX.Enabled ? TIsa.MultiplyAdd(a, a, xx1) : xx1;
            yy1 = TIsa.MultiplyAdd(b, b, yy1);
        }

        if (n - i >= width)
        {
            a = TIsa.Load(ref xs, i);
            b = TIsa.Load(ref ys, i);
            xy0 = TIsa.MultiplyAdd(a, b, xy0);
            xx0 = TNormX.Enabled ? TIsa.MultiplyAdd(a, a, xx0) : xx0;
            yy0 = TIsa.MultiplyAdd(b, b, yy0);
            i += width;
        }

        if (i < n)
        {
            int tail = (int)(n - i);
            a = TIsa.KeepLast(TIsa.Load(ref xs, n - width), tail);
            b = TIsa.KeepLast(TIsa.Load(ref ys, n - width), tail);
            xy1 = TIsa.MultiplyAdd(a, b, xy1);
            xx1 = TNormX.Enabled ? TIsa.MultiplyAdd(a, a, xx1) : xx1;
            yy1 = TIsa.MultiplyAdd(b, b, yy1);
        }

        xx = TNormX.Enabled ? TIsa.Sum(TIsa.Add(xx0, xx1)) : 0f;
        yy = TIsa.Sum(TIsa.Add(yy0, yy1));
        return TIsa.Sum(TIsa.Add(xy0, xy1));
    }

    public static float CosineRowPair(ReadOnlySpan<float> q, ReadOnlySpan<float> a, ReadOnlySpan<float> b, out float aa, out float qb, out float bb)
    {
        if (!TIsa.IsHardwareAccelerated || q.Length < 2 * TIsa.Count)
        {
            // Below two vectors CosineParts takes its short path; two calls keep its bits.
            qb = CosineParts<WithoutNormX>(q, b, out _, out bb);
            return CosineParts<WithoutNormX>(q, a, out _, out aa);
        }

        // CosineParts<WithoutNormX>'s order for each row, the query loaded once for both: eight
        // accumulators, three loads a step.
        ref float qs = ref MemoryMarshal.GetReference(q);
        ref float @as = ref MemoryMarshal.GetReference(a);
        ref float bs = ref MemoryMarshal.GetReference(b);
        nuint n = (nuint)q.Length, width = (nuint)TIsa.Count, i = 0;
        TVector qa0 = TIsa.Zero, qa1 = qa0, aa0 = qa0, aa1 = qa0, qb0 = qa0, qb1 = qa0, bb0 = qa0, bb1 = qa0;
        TVector x, y, z;
        for (; n - i >= 2 * width; i += 2 * width)
        {
            x = TIsa.Load(ref qs, i);
            y = TIsa.Load(ref @as, i);
            z = TIsa.Load(ref bs, i);
            qa0 = TIsa.MultiplyAdd(x, y, qa0);
            aa0 = TIsa.MultiplyAdd(y, y, aa0);
            qb0 = TIsa.MultiplyAdd(x, z, qb0);
            bb0 = TIsa.MultiplyAdd(z, z, bb0);

            x = TIsa.Load(ref qs, i + width);
            y = TIsa.Load(ref @as, i + width);
            z = TIsa.Load(ref bs, i + width);
            qa1 = TIsa.MultiplyAdd(x, y, qa1);
            aa1 = TIsa.MultiplyAdd(y, y, aa1);
            qb1 = TIsa.MultiplyAdd(x, z, qb1);
            bb1 = TIsa.MultiplyAdd(z, z, bb1);
        }

        if (n - i >= width)
        {
            x = TIsa.Load(ref qs, i);
            y = TIsa.Load(ref @as, i);
            z = TIsa.Load(ref bs, i);
            qa0 = TIsa.MultiplyAdd(x, y, qa0);
            aa0 = TIsa.MultiplyAdd(y, y, aa0);
            qb0 = TIsa.MultiplyAdd(x, z, qb0);
            bb0 = TIsa.MultiplyAdd(z, z, bb0);
            i += width;
        }

        if (i < n)
        {
            int tail = (int)(n - i);
            x = TIsa.KeepLast(TIsa.Load(ref qs, n - width), tail);
            y = TIsa.KeepLast(TIsa.Load(ref @as, n - width), tail);
            z = TIsa.KeepLast(TIsa.Load(ref bs, n - width), tail);
            qa1 = TIsa.MultiplyAdd(x, y, qa1);
            aa1 = TIsa.MultiplyAdd(y, y, aa1);
            qb1 = TIsa.MultiplyAdd(x, z, qb1);
            bb1 = TIsa.MultiplyAdd(z, z, bb1);
        }

        aa = TIsa.Sum(TIsa.Add(aa0, aa1));
        qb = TIsa.Sum(TIsa.Add(qb0, qb1));
        bb = TIsa.Sum(TIsa.Add(bb0, bb1));
        return TIsa.Sum(TIsa.Add(qa0, qa1));
    }

    /// <summary>
    /// <see cref="Sum{TTerm}"/> for <c>Count &lt;= n &lt; 2 Count</c>, the same bits with less work:
    /// the long path puts the first vector in accumulator 0 and the tail in accumulator 3, and its
    /// total <c>(s0 + 0) + (0 + s3)</c> is exactly <c>s0 + s3</c> (an accumulator that started at
    /// +0 is never -0, and adding +0 to anything else changes nothing).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ShortSum<TTerm>(ref float xs, ref float ys, nuint n)
        where TTerm : struct, IPairTerm
    {
        nuint width = (nuint)TIsa.Count;
        TVector s = TTerm.Accumulate<TVector, TIsa>(TIsa.Load(ref xs, 0), TIsa.Load(ref ys, 0), TIsa.Zero);
        if (n > width)
        {
            int tail = (int)(n - width);
            TVector a = TIsa.KeepLast(TIsa.Load(ref xs, n - width), tail);
            TVector b = TIsa.KeepLast(TIsa.Load(ref ys, n - width), tail);
            s = TIsa.Add(s, TTerm.Accumulate<TVector, TIsa>(a, b, TIsa.Zero));
        }

        return TIsa.Sum(s);
    }

    /// <summary><see cref="CosineParts{TNormX}"/> for <c>Count &lt;= n &lt; 2 Count</c>, as <see cref="ShortSum{TTerm}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ShortCosineParts<TNormX>(ref float xs, ref float ys, nuint n, out float xx, out float yy)
        where TNormX : struct, INormXSwitch
    {
        nuint width = (nuint)TIsa.Count;
        TVector a = TIsa.Load(ref xs, 0), b = TIsa.Load(ref ys, 0), zero = TIsa.Zero;
        TVector xy = TIsa.MultiplyAdd(a, b, zero);
        TVector sxx = TNormX.Enabled ? TIsa.MultiplyAdd(a, a, zero) : zero;
        TVector syy = TIsa.MultiplyAdd(b, b, zero);
        if (n > width)
        {
            int tail = (int)(n - width);
            a = TIsa.KeepLast(TIsa.Load(ref xs, n - width), tail);
            b = TIsa.KeepLast(TIsa.Load(ref ys, n - width), tail);
            xy = TIsa.Add(xy, TIsa.MultiplyAdd(a, b, zero));
            sxx = TNormX.Enabled ? TIsa.Add(sxx, TIsa.MultiplyAdd(a, a, zero)) : zero;
            syy = TIsa.Add(syy, TIsa.MultiplyAdd(b, b, zero));
        }

        xx = TNormX.Enabled ? TIsa.Sum(sxx) : 0f;
        yy = TIsa.Sum(syy);
        return TIsa.Sum(xy);
    }

    /// <summary>Four accumulators summed in <see cref="Sum{TTerm}"/>'s order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Total(TVector s0, TVector s1, TVector s2, TVector s3) =>
        TIsa.Sum(TIsa.Add(TIsa.Add(s0, s1), TIsa.Add(s2, s3)));
}
