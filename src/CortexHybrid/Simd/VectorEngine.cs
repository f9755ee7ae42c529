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
/// summed, those lanes zeroed) into accumulator 3; then <c>(s0 + s1) + (s2 + s3)</c>.
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

        // Twelve plain locals, not arrays or structs: the JIT keeps them in registers.
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, width = (nuint)TIsa.Count, i = 0;
        TVector xy0 = TIsa.Zero, xy1 = xy0, xy2 = xy0, xy3 = xy0;
        TVector xx0 = xy0, xx1 = xy0, xx2 = xy0, xx3 = xy0;
        TVector yy0 = xy0, yy1 = xy0, yy2 = xy0, yy3 = xy0;
        TVector a, b;
        for (; n - i >= 4 * width; i += 4 * width)
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

            a = TIsa.Load(ref xs, i + (2 * width));
            b = TIsa.Load(ref ys, i + (2 * width));
            xy2 = TIsa.MultiplyAdd(a, b, xy2);
            xx2 = TNormX.Enabled ? TIsa.MultiplyAdd(a, a, xx2) : xx2;
            yy2 = TIsa.MultiplyAdd(b, b, yy2);

            a = TIsa.Load(ref xs, i + (3 * width));
            b = TIsa.Load(ref ys, i + (3 * width));
            xy3 = TIsa.MultiplyAdd(a, b, xy3);
            xx3 = TNormX.Enabled ? TIsa.MultiplyAdd(a, a, xx3) : xx3;
            yy3 = TIsa.MultiplyAdd(b, b, yy3);
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

        if (n - i >= width)
        {
            a = TIsa.Load(ref xs, i);
            b = TIsa.Load(ref ys, i);
            xy1 = TIsa.MultiplyAdd(a, b, xy1);
            xx1 = TNormX.Enabled ? TIsa.MultiplyAdd(a, a, xx1) : xx1;
            yy1 = TIsa.MultiplyAdd(b, b, yy1);
            i += width;
        }

        if (n - i >= width)
        {
            a = TIsa.Load(ref xs, i);
            b = TIsa.Load(ref ys, i);
            xy2 = TIsa.MultiplyAdd(a, b, xy2);
            xx2 = TNormX.Enabled ? TIsa.MultiplyAdd(a, a, xx2) : xx2;
            yy2 = TIsa.MultiplyAdd(b, b, yy2);
            i += width;
        }

        if (i < n)
        {
            int tail = (int)(n - i);
            a = TIsa.KeepLast(TIsa.Load(ref xs, n - width), tail);
            b = TIsa.KeepLast(TIsa.Load(ref ys, n - width), tail);
            xy3 = TIsa.MultiplyAdd(a, b, xy3);
            xx3 = TNormX.Enabled ? TIsa.MultiplyAdd(a, a, xx3) : xx3;
            yy3 = TIsa.MultiplyAdd(b, b, yy3);
        }

        xx = TNormX.Enabled ? Total(xx0, xx1, xx2, xx3) : 0f;
        yy = Total(yy0, yy1, yy2, yy3);
        return Total(xy0, xy1, xy2, xy3);
    }

    /// <summary>Four accumulators summed in <see cref="Sum{TTerm}"/>'s order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Total(TVector s0, TVector s1, TVector s2, TVector s3) =>
        TIsa.Sum(TIsa.Add(TIsa.Add(s0, s1), TIsa.Add(s2, s3)));
}
