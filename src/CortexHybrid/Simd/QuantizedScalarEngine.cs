using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CortexHybrid.Simd;

/// <summary>
/// Plain loops with four independent accumulators (element <c>i</c> goes to accumulator
/// <c>i % 4</c>): the path for machines without SIMD, and for vectors shorter than one
/// <c>Vector128</c>.
/// </summary>
internal readonly struct QuantizedScalarEngine : IQuantizedEngine
{
    public static KernelBackend Backend => KernelBackend.Scalar;

    public static string Description => "scalar";

    public static int DotInt8(ReadOnlySpan<sbyte> x, ReadOnlySpan<sbyte> y)
    {
        ref sbyte xs = ref MemoryMarshal.GetReference(x);
        ref sbyte ys = ref MemoryMarshal.GetReference(y);
        int n = x.Length;
        int s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;

        // unchecked: the length limit keeps every partial sum in int32, so this never wraps in
        // practice; if a caller skipped validation the result wraps like the vector paths' lanes.
        unchecked
        {
            for (; n - i >= 4; i += 4)
            {
                s0 += Unsafe.Add(ref xs, i) * Unsafe.Add(ref ys, i);
                s1 += Unsafe.Add(ref xs, i + 1) * Unsafe.Add(ref ys, i + 1);
                s2 += Unsafe.Add(ref xs, i + 2) * Unsafe.Add(ref ys, i + 2);
                s3 += Unsafe.Add(ref xs, i + 3) * Unsafe.Add(ref ys, i + 3);
            }

            for (; i < n; i++)
            {
                s0 += Unsafe.Add(ref xs, i) * Unsafe.Add(ref ys, i);
            }

            return (s0 + s1) + (s2 + s3);
        }
    }

    public static float DotBFloat16(ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y)
    {
        ref ushort xs = ref MemoryMarshal.GetReference(x);
        ref ushort ys = ref MemoryMarshal.GetReference(y);
        int n = x.Length;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;

        // A product of two bfloat16 values is exact in float32 (8 + 8 significant bits): one
        // rounding per element, where it is added, as a fused multiply-add would give.
        for (; n - i >= 4; i += 4)
        {
            s0 += BFloat16Bits.ToSingle(Unsafe.Add(ref xs, i)) * BFloat16Bits.ToSingle(Unsafe.Add(ref ys, i));
            s1 += BFloat16Bits.ToSingle(Unsafe.Add(ref xs, i + 1)) * BFloat16Bits.ToSingle(Unsafe.Add(ref ys, i + 1));
            s2 += BFloat16Bits.ToSingle(Unsafe.Add(ref xs, i + 2)) * BFloat16Bits.ToSingle(Unsafe.Add(ref ys, i + 2));
            s3 += BFloat16Bits.ToSingle(Unsafe.Add(ref xs, i + 3)) * BFloat16Bits.ToSingle(Unsafe.Add(ref ys, i + 3));
        }

        for (; i < n; i++)
        {
            s0 += BFloat16Bits.ToSingle(Unsafe.Add(ref xs, i)) * BFloat16Bits.ToSingle(Unsafe.Add(ref ys, i));
        }

        return (s0 + s1) + (s2 + s3);
    }
}
