using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CortexHybrid.Simd;

/// <summary>The <c>Vector128</c> operations of the quantized kernels.</summary>
internal readonly struct QuantizedVector128Isa : IQuantizedIsa<Vector128<int>, Vector128<float>>
{
    public static int Bits => 128;

    public static bool IsHardwareAccelerated => Vector128.IsHardwareAccelerated;

    public static int ByteCount => Vector128<sbyte>.Count;

    public static string Int8Instructions => Sse2.IsSupported ? "SSE2 pmaddwd" : "portable widening";

    public static Vector128<int> ZeroInt => Vector128<int>.Zero;

    public static Vector128<float> ZeroFloat => Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> LoadInt8(ref sbyte source, nuint offset) => Vector128.LoadUnsafe(ref source, offset).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> LoadBFloat16(ref ushort source, nuint offset) => Vector128.LoadUnsafe(ref source, offset).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> KeepLastInt8(Vector128<int> value, int count) =>
        (value.AsSByte() & Vector128.GreaterThanOrEqual(Vector128<sbyte>.Indices, Vector128.Create((sbyte)(Vector128<sbyte>.Count - count)))).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> KeepLastBFloat16(Vector128<int> value, int count) =>
        (value.AsInt16() & Vector128.GreaterThanOrEqual(Vector128<short>.Indices, Vector128.Create((short)(Vector128<short>.Count - count)))).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> MultiplyAddInt8(Vector128<int> x, Vector128<int> y, Vector128<int> sum)
    {
        // Sign-extend each 16-bit lane's even byte ((w << 8) >> 8) and odd byte (w >> 8) in place,
        // with shifts rather than widening shuffles (which would queue on the one shuffle port),
        // then add adjacent int16 products into int32 (vpmaddwd): exact, where vpmaddubsw would
        // saturate and needs one unsigned operand.
        Vector128<short> xWords = x.AsInt16(), yWords = y.AsInt16();
        Vector128<int> even = MultiplyAddAdjacent((xWords << 8) >> 8, (yWords << 8) >> 8);
        Vector128<int> odd = MultiplyAddAdjacent(xWords >> 8, yWords >> 8);
        return sum + even + odd;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> EvenBFloat16(Vector128<int> value) => (value << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> OddBFloat16(Vector128<int> value) => (value & Vector128.Create(unchecked((int)0xFFFF0000))).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> addend) =>
        Vector128.MultiplyAddEstimate(a, b, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Add(Vector128<int> a, Vector128<int> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sum(Vector128<int> value) => Vector128.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> value) => Vector128.Sum(value);

    /// <summary>
    /// Without the instruction: widen again to int32 and multiply. Lane <c>k</c> gets products
    /// <c>k</c> and <c>k + Count/2</c> rather than <c>2k</c> and <c>2k + 1</c>; the sum is the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<int> MultiplyAddAdjacentPortable(Vector128<short> a, Vector128<short> b)
    {
        (Vector128<int> aLower, Vector128<int> aUpper) = Vector128.Widen(a);
        (Vector128<int> bLower, Vector128<int> bUpper) = Vector128.Widen(b);
        return (aLower * bLower) + (aUpper * bUpper);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> MultiplyAddAdjacent(Vector128<short> a, Vector128<short> b) =>
        Sse2.IsSupported ? Sse2.MultiplyAddAdjacent(a, b) : MultiplyAddAdjacentPortable(a, b);
}
