using System.Runtime.InteropServices;

namespace CortexHybrid.Simd;

/// <summary>
/// The managed quantized loops for one vector width, falling back to <typeparamref name="TNarrower"/>
/// when the width is not hardware-accelerated or the input is shorter than one vector. Chained
/// 512 ► 256 ► 128 ► scalar, as the f32 engines are.
/// </summary>
/// <remarks>
/// Order of a pass: groups of four vectors into accumulators 0-3; then up to three whole vectors
/// into accumulators 0, 1, 2; then the last vector's worth of elements (overlapping what was
/// already summed, those lanes zeroed) into accumulator 3. int8 sums are exact in any order;
/// bfloat16 keeps separate accumulators for the even and the odd elements of each load, so eight
/// FMA chains are in flight, and combines them as <c>((e0+o0) + (e1+o1)) + ((e2+o2) + (e3+o3))</c>.
/// </remarks>
internal readonly struct QuantizedVectorEngine<TInt, TFloat, TIsa, TNarrower> : IQuantizedEngine
    where TInt : struct
    where TFloat : struct
    where TIsa : struct, IQuantizedIsa<TInt, TFloat>
    where TNarrower : struct, IQuantizedEngine
{
    public static KernelBackend Backend => KernelBackend.Managed;

    public static string Description =>
        TIsa.IsHardwareAccelerated ? $"managed Vector{TIsa.Bits} (int8: {TIsa.Int8Instructions}; bf16: widen and FMA)"
        : TNarrower.Backend == KernelBackend.Managed ? TNarrower.Description
        : "managed (no hardware SIMD: scalar loops)";

    public static int DotInt8(ReadOnlySpan<sbyte> x, ReadOnlySpan<sbyte> y)
    {
        if (!TIsa.IsHardwareAccelerated || x.Length < TIsa.ByteCount)
        {
            return TNarrower.DotInt8(x, y);
        }

        ref sbyte xs = ref MemoryMarshal.GetReference(x);
        ref sbyte ys = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, width = (nuint)TIsa.ByteCount, i = 0;
        TInt s0 = TIsa.ZeroInt, s1 = s0, s2 = s0, s3 = s0;
        for (; n - i >= 4 * width; i += 4 * width)
        {
            s0 = TIsa.MultiplyAddInt8(TIsa.LoadInt8(ref xs, i), TIsa.LoadInt8(ref ys, i), s0);
            s1 = TIsa.MultiplyAddInt8(TIsa.LoadInt8(ref xs, i + width), TIsa.LoadInt8(ref ys, i + width), s1);
            s2 = TIsa.MultiplyAddInt8(TIsa.LoadInt8(ref xs, i + (2 * width)), TIsa.LoadInt8(ref ys, i + (2 * width)), s2);
            s3 = TIsa.MultiplyAddInt8(TIsa.LoadInt8(ref xs, i + (3 * width)), TIsa.LoadInt8(ref ys, i + (3 * width)), s3);
        }

        if (n - i >= width)
        {
            s0 = TIsa.MultiplyAddInt8(TIsa.LoadInt8(ref xs, i), TIsa.LoadInt8(ref ys, i), s0);
            i += width;
        }

        if (n - i >= width)
        {
            s1 = TIsa.MultiplyAddInt8(TIsa.LoadInt8(ref xs, i), TIsa.LoadInt8(ref ys, i), s1);
            i += width;
        }

        if (n - i >= width)
        {
            s2 = TIsa.MultiplyAddInt8(TIsa.LoadInt8(ref xs, i), TIsa.LoadInt8(ref ys, i), s2);
            i += width;
        }

        if (i < n)
        {
            // Zeroing one operand is enough: an integer product with 0 is 0.
            TInt a = TIsa.KeepLastInt8(TIsa.LoadInt8(ref xs, n - width), (int)(n - i));
            s3 = TIsa.MultiplyAddInt8(a, TIsa.LoadInt8(ref ys, n - width), s3);
        }

        return TIsa.Sum(TIsa.Add(TIsa.Add(s0, s1), TIsa.Add(s2, s3)));
    }

    public static float DotBFloat16(ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y)
    {
        nuint width = (nuint)(TIsa.ByteCount / sizeof(ushort));
        if (!TIsa.IsHardwareAccelerated || (nuint)x.Length < width)
        {
            return TNarrower.DotBFloat16(x, y);
        }

        ref ushort xs = ref MemoryMarshal.GetReference(x);
        ref ushort ys = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, i = 0;
        TFloat e0 = TIsa.ZeroFloat, e1 = e0, e2 = e0, e3 = e0;
        TFloat o0 = e0, o1 = e0, o2 = e0, o3 = e0;
        TInt a, b;
        for (; n - i >= 4 * width; i += 4 * width)
        {
            a = TIsa.LoadBFloat16(ref xs, i);
            b = TIsa.LoadBFloat16(ref ys, i);
            e0 = TIsa.MultiplyAdd(TIsa.EvenBFloat16(a), TIsa.EvenBFloat16(b), e0);
            o0 = TIsa.MultiplyAdd(TIsa.OddBFloat16(a), TIsa.OddBFloat16(b), o0);

            a = TIsa.LoadBFloat16(ref xs, i + width);
            b = TIsa.LoadBFloat16(ref ys, i + width);
            e1 = TIsa.MultiplyAdd(TIsa.EvenBFloat16(a), TIsa.EvenBFloat16(b), e1);
            o1 = TIsa.MultiplyAdd(TIsa.OddBFloat16(a), TIsa.OddBFloat16(b), o1);

            a = TIsa.LoadBFloat16(ref xs, i + (2 * width));
            b = TIsa.LoadBFloat16(ref ys, i + (2 * width));
            e2 = TIsa.MultiplyAdd(TIsa.EvenBFloat16(a), TIsa.EvenBFloat16(b), e2);
            o2 = TIsa.MultiplyAdd(TIsa.OddBFloat16(a), TIsa.OddBFloat16(b), o2);

            a = TIsa.LoadBFloat16(ref xs, i + (3 * width));
            b = TIsa.LoadBFloat16(ref ys, i + (3 * width));
            e3 = TIsa.MultiplyAdd(TIsa.EvenBFloat16(a), TIsa.EvenBFloat16(b), e3);
            o3 = TIsa.MultiplyAdd(TIsa.OddBFloat16(a), TIsa.OddBFloat16(b), o3);
        }

        if (n - i >= width)
        {
            a = TIsa.LoadBFloat16(ref xs, i);
            b = TIsa.LoadBFloat16(ref ys, i);
            e0 = TIsa.MultiplyAdd(TIsa.EvenBFloat16(a), TIsa.EvenBFloat16(b), e0);
            o0 = TIsa.MultiplyAdd(TIsa.OddBFloat16(a), TIsa.OddBFloat16(b), o0);
            i += width;
        }

        if (n - i >= width)
        {
            a = TIsa.LoadBFloat16(ref xs, i);
            b = TIsa.LoadBFloat16(ref ys, i);
            e1 = TIsa.MultiplyAdd(TIsa.EvenBFloat16(a), TIsa.EvenBFloat16(b), e1);
            o1 = TIsa.MultiplyAdd(TIsa.OddBFloat16(a), TIsa.OddBFloat16(b), o1);
            i += width;
        }

        if (n - i >= width)
        {
            a = TIsa.LoadBFloat16(ref xs, i);
            b = TIsa.LoadBFloat16(ref ys, i);
            e2 = TIsa.MultiplyAdd(TIsa.EvenBFloat16(a), TIsa.EvenBFloat16(b), e2);
            o2 = TIsa.MultiplyAdd(TIsa.OddBFloat16(a), TIsa.OddBFloat16(b), o2);
            i += width;
        }

        if (i < n)
        {
            // Both operands zeroed: 0 times a NaN or an infinity already summed would be NaN.
            int tail = (int)(n - i);
            a = TIsa.KeepLastBFloat16(TIsa.LoadBFloat16(ref xs, n - width), tail);
            b = TIsa.KeepLastBFloat16(TIsa.LoadBFloat16(ref ys, n - width), tail);
            e3 = TIsa.MultiplyAdd(TIsa.EvenBFloat16(a), TIsa.EvenBFloat16(b), e3);
            o3 = TIsa.MultiplyAdd(TIsa.OddBFloat16(a), TIsa.OddBFloat16(b), o3);
        }

        TFloat total = TIsa.Add(
            TIsa.Add(TIsa.Add(e0, o0), TIsa.Add(e1, o1)),
            TIsa.Add(TIsa.Add(e2, o2), TIsa.Add(e3, o3)));
        return TIsa.Sum(total);
    }
}
