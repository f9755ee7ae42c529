using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CortexHybrid.Simd;

/// <summary>The <c>Vector256</c> operations of the quantized kernels.</summary>
internal readonly struct QuantizedVector256Isa : IQuantizedIsa<Vector256<int>, Vector256<float>>
{
    public static int Bits => 256;

    public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated;

    public static int ByteCount => Vector256<sbyte>.Count;

    public static string Int8Instructions => Avx2.IsSupported ? "AVX2 vpmaddwd" : "portable widening";

    public static Vector256<int> ZeroInt => Vector256<int>.Zero;

    public static Vector256<float> ZeroFloat => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> LoadInt8(ref sbyte source, nuint offset) => Vector256.LoadUnsafe(ref source, offset).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> LoadBFloat16(ref ushort source, nuint offset) => Vector256.LoadUnsafe(ref source, offset).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> KeepLastInt8(Vector256<int> value, int count) =>
        (value.AsSByte() & Vector256.GreaterThanOrEqual(Vector256<sbyte>.Indices, Vector256.Create((sbyte)(Vector256<sbyte>.Count - count)))).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> KeepLastBFloat16(Vector256<int> value, int count) =>
        (value.AsInt16() & Vector256.GreaterThanOrEqual(Vector256<short>.Indices, Vector256.Create((short)(Vector256<short>.Count - count)))).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MultiplyAddInt8(Vector256<int> x, Vector256<int> y, Vector256<int> sum)
    {
        // Sign-extend each 16-bit lane's even byte ((w << 8) >> 8) and odd byte (w >> 8) in place,
        // with shifts rather than widening shuffles (which would queue on the one shuffle port),
        // then add adjacent int16 products into int32 (vpmaddwd): exact, where vpmaddubsw would
        // saturate and needs one unsigned operand.
        Vector256<short> xWords = x.AsInt16(), yWords = y.AsInt16();
        Vector256<int> even = MultiplyAddAdjacent((xWords << 8) >> 8, (yWords << 8) >> 8);
        Vector256<int> odd = MultiplyAddAdjacent(xWords >> 8, yWords >> 8);
        return sum + even + odd;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> EvenBFloat16(Vector256<int> value) => (value << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> OddBFloat16(Vector256<int> value) => (value & Vector256.Create(unchecked((int)0xFFFF0000))).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> addend) =>
        Vector256.MultiplyAddEstimate(a, b, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Add(Vector256<int> a, Vector256<int> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sum(Vector256<int> value) => Vector256.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> value) => Vector256.Sum(value);

    /// <summary>
    /// Without the instruction: widen again to int32 and multiply. Lane <c>k</c> gets products
    /// <c>k</c> and <c>k + Count/2</c> rather than <c>2k</c> and <c>2k + 1</c>; the sum is the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> MultiplyAddAdjacentPortable(Vector256<short> a, Vector256<short> b)
    {
        (Vector256<int> aLower, Vector256<int> aUpper) = Vector256.Widen(a);
        (Vector256<int> bLower, Vector256<int> bUpper) = Vector256.Widen(b);
        return (aLower * bLower) + (aUpper * bUpper);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> MultiplyAddAdjacent(Vector256<short> a, Vector256<short> b) =>
        Avx2.IsSupported ? Avx2.MultiplyAddAdjacent(a, b) : MultiplyAddAdjacentPortable(a, b);
}
