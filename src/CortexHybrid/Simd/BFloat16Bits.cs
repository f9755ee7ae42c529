using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CortexHybrid.Simd;

/// <summary>
/// Conversions between float32 and bfloat16 bit patterns (the upper 16 bits of a float32: sign, the
/// same 8 exponent bits, 7 significand bits), the element type of the bf16 kernels.
/// </summary>
/// <remarks>
/// <see cref="FromSingle(float)"/> rounds to nearest, ties to even, as the Rust crate's
/// <c>to_bf16</c> does: a finite float32 too large for bfloat16 becomes an infinity, infinities and
/// signed zeros are kept, denormals round like any other value (and may become zero). Every NaN
/// becomes the quiet NaN <c>0x7FC0</c> (truncating a signalling NaN could otherwise give an
/// infinity). <see cref="ToSingle(ushort)"/> is exact.
/// </remarks>
internal static class BFloat16Bits
{
    /// <summary>The quiet NaN every NaN converts to.</summary>
    public const ushort QuietNaN = 0x7FC0;

    /// <summary>Rounds <paramref name="value"/> to the nearest bfloat16, ties to even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FromSingle(float value)
    {
        if (float.IsNaN(value))
        {
            return QuietNaN;
        }

        // Adding 0x7FFF plus the lowest kept bit carries into the kept half exactly when the
        // dropped half is above one half, or equal to it with an odd kept half. No overflow: the
        // largest non-NaN pattern is 0xFF800000 (-∞).
        uint bits = BitConverter.SingleToUInt32Bits(value);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>The float32 whose upper half is <paramref name="bits"/> (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Converts each of <paramref name="source"/> with <see cref="FromSingle(float)"/>.</summary>
    /// <param name="source">The float32 values.</param>
    /// <param name="destination">At least as long as <paramref name="source"/>; the first <c>source.Length</c> elements are written.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than
    /// <paramref name="source"/>, or they overlap.</exception>
    public static void FromSingle(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        RequireDestination(MemoryMarshal.AsBytes(source), source.Length, MemoryMarshal.AsBytes(destination), destination.Length);
        ref float src = ref MemoryMarshal.GetReference(source);
        ref ushort dst = ref MemoryMarshal.GetReference(destination);
        int n = source.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Two float vectors in, one ushort vector out.
            for (; n - i >= Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                Vector256<ushort> rounded = Vector256.Narrow(
                    Round(Vector256.LoadUnsafe(ref src, (nuint)i)),
                    Round(Vector256.LoadUnsafe(ref src, (nuint)(i + Vector256<float>.Count))));
                rounded.StoreUnsafe(ref dst, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; n - i >= Vector128<ushort>.Count; i += Vector128<ushort>.Count)
            {
                Vector128<ushort> rounded = Vector128.Narrow(
                    Round(Vector128.LoadUnsafe(ref src, (nuint)i)),
                    Round(Vector128.LoadUnsafe(ref src, (nuint)(i + Vector128<float>.Count))));
                rounded.StoreUnsafe(ref dst, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref dst, i) = FromSingle(Unsafe.Add(ref src, i));
        }
    }

    /// <summary>Converts each of <paramref name="source"/> with <see cref="ToSingle(ushort)"/>.</summary>
    /// <param name="source">The bfloat16 bit patterns.</param>
    /// <param name="destination">At least as long as <paramref name="source"/>; the first <c>source.Length</c> elements are written.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than
    /// <paramref name="source"/>, or they overlap.</exception>
    public static void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        RequireDestination(MemoryMarshal.AsBytes(source), source.Length, MemoryMarshal.AsBytes(destination), destination.Length);
        ref ushort src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        int n = source.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; n - i >= Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                (Vector256<uint> lower, Vector256<uint> upper) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                (lower << 16).AsSingle().StoreUnsafe(ref dst, (nuint)i);
                (upper << 16).AsSingle().StoreUnsafe(ref dst, (nuint)(i + Vector256<float>.Count));
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; n - i >= Vector128<ushort>.Count; i += Vector128<ushort>.Count)
            {
                (Vector128<uint> lower, Vector128<uint> upper) = Vector128.Widen(Vector128.LoadUnsafe(ref src, (nuint)i));
                (lower << 16).AsSingle().StoreUnsafe(ref dst, (nuint)i);
                (upper << 16).AsSingle().StoreUnsafe(ref dst, (nuint)(i + Vector128<float>.Count));
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref dst, i) = ToSingle(Unsafe.Add(ref src, i));
        }
    }

    /// <summary><see cref="FromSingle(float)"/> lane by lane, the result in the low half of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Round(Vector256<float> value)
    {
        Vector256<uint> bits = value.AsUInt32();
        Vector256<uint> rounded = (bits + Vector256.Create(0x7FFFu) + ((bits >> 16) & Vector256<uint>.One)) >> 16;
        return Vector256.ConditionalSelect(Vector256.IsNaN(value).AsUInt32(), Vector256.Create((uint)QuietNaN), rounded);
    }

    /// <summary><see cref="FromSingle(float)"/> lane by lane, the result in the low half of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Round(Vector128<float> value)
    {
        Vector128<uint> bits = value.AsUInt32();
        Vector128<uint> rounded = (bits + Vector128.Create(0x7FFFu) + ((bits >> 16) & Vector128<uint>.One)) >> 16;
        return Vector128.ConditionalSelect(Vector128.IsNaN(value).AsUInt32(), Vector128.Create((uint)QuietNaN), rounded);
    }

    private static void RequireDestination(ReadOnlySpan<byte> source, int sourceLength, ReadOnlySpan<byte> destination, int destinationLength)
    {
        if (destinationLength < sourceLength)
        {
            Throw($"destination holds {destinationLength} elements; it must hold at least as many as source ({sourceLength}).");
        }

        if (source.Overlaps(destination))
        {
            Throw("destination must not overlap source (the elements differ in size, so converting in place would overwrite unread input).");
        }

        [DoesNotReturn]
        static void Throw(string message) => throw new ArgumentException(message, "destination");
    }
}
