using System.Runtime.CompilerServices;
using CortexHybrid.Native;

namespace CortexHybrid.Simd;

/// <summary>
/// The Rust <c>cortex_simd</c> int8 and bf16 kernels. Arguments are checked here (the library
/// checks again and would report a status, which surfaces as <see cref="InvalidOperationException"/>:
/// a bug, not a fallback); spans are pinned for the call only.
/// </summary>
internal sealed unsafe class NativeQuantizedKernel : IQuantizedKernel
{
    /// <summary>
    /// Pair calls up to this many bytes per vector skip the GC transition: the same 16 KiB as the
    /// f32 kernels' 4096 floats, well under a microsecond of work. Longer ones take the transition,
    /// so a long vector never holds off a garbage collection another thread is waiting for.
    /// </summary>
    internal const int MaxShortCallBytes = 16384;

    private NativeQuantizedKernel(string description, bool flushesBFloat16Denormals)
    {
        Description = description;
        FlushesBFloat16Denormals = flushesBFloat16Denormals;
    }

    public KernelBackend Backend => KernelBackend.Native;

    public string Description { get; }

    /// <summary>
    /// True when the bf16 kernels run on AVX-512 BF16, which reads denormal inputs as zero and
    /// flushes denormal partial sums to zero; false on AVX2 + FMA, which keeps denormals.
    /// </summary>
    internal bool FlushesBFloat16Denormals { get; }

    /// <summary>The kernel over a loaded library, described by the instruction sets its capability flags say are active.</summary>
    internal static NativeQuantizedKernel Create(NativeLibraryLoadResult library)
    {
        bool vnni = (library.Capabilities & NativeMethods.CORTEX_ACTIVE_I8_AVX512VNNI) != 0;
        bool bf16 = (library.Capabilities & NativeMethods.CORTEX_ACTIVE_BF16_AVX512BF16) != 0;
        string description =
            $"native (int8: {(vnni ? "AVX-512 VNNI" : "AVX2")}; bf16: {(bf16 ? "AVX-512 BF16, denormals flushed" : "AVX2 + FMA")}) (cortex_simd {library.Version})"
            + (library.InstructionSetForced ? $", forced by {NativeLibraryLoader.IsaVariable}" : string.Empty);
        return new NativeQuantizedKernel(description, bf16);
    }

    public int DotInt8(ReadOnlySpan<sbyte> x, ReadOnlySpan<sbyte> y)
    {
        QuantizedGuard.RequireSameLength(x, y);
        QuantizedGuard.RequireInt8Length(x.Length, nameof(x));
        if (x.Length > MaxShortCallBytes)
        {
            return DotInt8WithTransition(x, y);
        }

        int result;
        fixed (sbyte* px = x)
        fixed (sbyte* py = y)
        {
            Check(NativeMethods.cortex_dot_i8(px, py, (nuint)x.Length, &result), "cortex_dot_i8");
        }

        return result;
    }

    public void DotBatchInt8(ReadOnlySpan<sbyte> query, ReadOnlySpan<sbyte> rows, Span<int> destination)
    {
        int count = QuantizedGuard.RequireBatch(query, rows, destination);
        QuantizedGuard.RequireInt8Length(query.Length, nameof(query));
        fixed (sbyte* pq = query)
        fixed (sbyte* pr = rows)
        fixed (int* pd = destination)
        {
            Check(NativeMethods.cortex_batch_dot_i8(pq, pr, (nuint)query.Length, (nuint)count, pd), "cortex_batch_dot_i8");
        }
    }

    public float DotBFloat16(ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y)
    {
        QuantizedGuard.RequireSameLength(x, y);
        if (x.Length > MaxShortCallBytes / sizeof(ushort))
        {
            return DotBFloat16WithTransition(x, y);
        }

        float result;
        fixed (ushort* px = x)
        fixed (ushort* py = y)
        {
            Check(NativeMethods.cortex_dot_bf16(px, py, (nuint)x.Length, &result), "cortex_dot_bf16");
        }

        return result;
    }

    public void DotBatchBFloat16(ReadOnlySpan<ushort> query, ReadOnlySpan<ushort> rows, Span<float> destination)
    {
        int count = QuantizedGuard.RequireBatch(query, rows, destination);
        fixed (ushort* pq = query)
        fixed (ushort* pr = rows)
        fixed (float* pd = destination)
        {
            Check(NativeMethods.cortex_batch_dot_bf16(pq, pr, (nuint)query.Length, (nuint)count, pd), "cortex_batch_dot_bf16");
        }
    }

    // The long-input paths live in methods of their own: a P/Invoke with a GC transition makes the
    // JIT set up a call frame in the prolog of the method that contains it, on every call.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int DotInt8WithTransition(ReadOnlySpan<sbyte> x, ReadOnlySpan<sbyte> y)
    {
        int result;
        fixed (sbyte* px = x)
        fixed (sbyte* py = y)
        {
            Check(NativeMethods.cortex_dot_i8_gc_transition(px, py, (nuint)x.Length, &result), "cortex_dot_i8");
        }

        return result;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float DotBFloat16WithTransition(ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y)
    {
        float result;
        fixed (ushort* px = x)
        fixed (ushort* py = y)
        {
            Check(NativeMethods.cortex_dot_bf16_gc_transition(px, py, (nuint)x.Length, &result), "cortex_dot_bf16");
        }

        return result;
    }

    private static void Check(NativeStatus status, string function)
    {
        if (status != NativeStatus.Ok)
        {
            Throw(status, function);
        }

        static void Throw(NativeStatus status, string function) =>
            throw new InvalidOperationException(
                $"{function} returned {status} for arguments CortexHybrid had already checked: this is a bug in CortexHybrid.");
    }
}
