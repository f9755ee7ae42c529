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

        return TIsa.Sum(TIsa.Add(TIsa.Add(s0, s1), TIsa.Add(s2, s3)));
    }

    public static (float Xy, float Xx, float Yy) CosineParts<TNormX>(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
        where TNormX : struct, INormXSwitch
    {
        if (!TIsa.IsHardwareAccelerated || x.Length < TIsa.Count)
        {
            return TNarrower.CosineParts<TNormX>(x, y);
        }

        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, width = (nuint)TIsa.Count, i = 0;
        var xy = new Streams();
        var xx = new Streams();
        var yy = new Streams();
        for (; n - i >= 4 * width; i += 4 * width)
        {
            Step(ref xs, ref ys, i, ref xy.S0, ref xx.S0, ref yy.S0);
            Step(ref xs, ref ys, i + width, ref xy.S1, ref xx.S1, ref yy.S1);
            Step(ref xs, ref ys, i + (2 * width), ref xy.S2, ref xx.S2, ref yy.S2);
            Step(ref xs, ref ys, i + (3 * width), ref xy.S3, ref xx.S3, ref yy.S3);
        }

        if (n - i >= width)
        {
            Step(ref xs, ref ys, i, ref xy.S0, ref xx.S0, ref yy.S0);
            i += width;
        }

        if (n - i >= width)
        {
            Step(ref xs, ref ys, i, ref xy.S1, ref xx.S1, ref yy.S1);
            i += width;
        }

        if (n - i >= width)
        {
            Step(ref xs, ref ys, i, ref xy.S2, ref xx.S2, ref yy.S2);
            i += width;
        }

        if (i < n)
        {
            int tail = (int)(n - i);
            TVector a = TIsa.KeepLast(TIsa.Load(ref xs, n - width), tail);
            TVector b = TIsa.KeepLast(TIsa.Load(ref ys, n - width), tail);
            Accumulate(a, b, ref xy.S3, ref xx.S3, ref yy.S3);
        }

        return (xy.Total(), TNormX.Enabled ? xx.Total() : 0f, yy.Total());

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Step(ref float xs, ref float ys, nuint at, ref TVector xy, ref TVector xx, ref TVector yy) =>
            Accumulate(TIsa.Load(ref xs, at), TIsa.Load(ref ys, at), ref xy, ref xx, ref yy);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Accumulate(TVector a, TVector b, ref TVector xy, ref TVector xx, ref TVector yy)
        {
            xy = TIsa.MultiplyAdd(a, b, xy);
            if (TNormX.Enabled)
            {
                xx = TIsa.MultiplyAdd(a, a, xx);
            }

            yy = TIsa.MultiplyAdd(b, b, yy);
        }
    }

    /// <summary>Four accumulators of one stream, summed in <see cref="Sum{TTerm}"/>'s order.</summary>
    private struct Streams()
    {
        public TVector S0 = TIsa.Zero;
        public TVector S1 = TIsa.Zero;
        public TVector S2 = TIsa.Zero;
        public TVector S3 = TIsa.Zero;

        public readonly float Total() => TIsa.Sum(TIsa.Add(TIsa.Add(S0, S1), TIsa.Add(S2, S3)));
    }
}
