using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CortexHybrid.Simd;

/// <summary>The <c>Vector512</c> operations of the quantized kernels.</summary>
internal readonly struct QuantizedVector512Isa : IQuantizedIsa<Vector512<int>, Vector512<float>>
{
    public static int Bits => 512;

    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;

    public static int ByteCount => Vector512<sbyte>.Count;

    public static string Int8Instructions => Avx512BW.IsSupported ? "AVX-512BW vpmaddwd" : "portable widening";

    public static Vector512<int> ZeroInt => Vector512<int>.Zero;

    public static Vector512<float> ZeroFloat => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> LoadInt8(ref sbyte source, nuint offset) => Vector512.LoadUnsafe(ref source, offset).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> LoadBFloat16(ref ushort source, nuint offset) => Vector512.LoadUnsafe(ref source, offset).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> KeepLastInt8(Vector512<int> value, int count) =>
        (value.AsSByte() & Vector512.GreaterThanOrEqual(Vector512<sbyte>.Indices, Vector512.Create((sbyte)(Vector512<sbyte>.Count - count)))).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> KeepLastBFloat16(Vector512<int> value, int count) =>
        (value.AsInt16() & Vector512.GreaterThanOrEqual(Vector512<short>.Indices, Vector512.Create((short)(Vector512<short>.Count - count)))).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> MultiplyAddInt8(Vector512<int> x, Vector512<int> y, Vector512<int> sum)
    {
        // Sign-extend each 16-bit lane's even byte ((w << 8) >> 8) and odd byte (w >> 8) in place,
        // with shifts rather than widening shuffles (which would queue on the one shuffle port),
        // then add adjacent int16 products into int32 (vpmaddwd): exact, where vpmaddubsw would
        // saturate and needs one unsigned operand.
        Vector512<short> xWords = x.AsInt16(), yWords = y.AsInt16();
        Vector512<int> even = MultiplyAddAdjacent((xWords << 8) >> 8, (yWords << 8) >> 8);
        Vector512<int> odd = MultiplyAddAdjacent(xWords >> 8, yWords >> 8);
        return sum + even + odd;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> EvenBFloat16(Vector512<int> value) => (value << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> OddBFloat16(Vector512<int> value) => (value & Vector512.Create(unchecked((int)0xFFFF0000))).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> addend) =>
        Vector512.MultiplyAddEstimate(a, b, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Add(Vector512<int> a, Vector512<int> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sum(Vector512<int> value) => Vector512.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> value) => Vector512.Sum(value);

    /// <summary>
    /// Without the instruction: widen again to int32 and multiply. Lane <c>k</c> gets products
    /// <c>k</c> and <c>k + Count/2</c> rather than <c>2k</c> and <c>2k + 1</c>; the sum is the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<int> MultiplyAddAdjacentPortable(Vector512<short> a, Vector512<short> b)
    {
        (Vector512<int> aLower, Vector512<int> aUpper) = Vector512.Widen(a);
        (Vector512<int> bLower, Vector512<int> bUpper) = Vector512.Widen(b);
        return (aLower * bLower) + (aUpper * bUpper);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> MultiplyAddAdjacent(Vector512<short> a, Vector512<short> b) =>
        Avx512BW.IsSupported ? Avx512BW.MultiplyAddAdjacent(a, b) : MultiplyAddAdjacentPortable(a, b);
}
