using System.Runtime.CompilerServices;
using CortexHybrid.Native;

namespace CortexHybrid.Simd;

/// <summary>
/// The Rust <c>cortex_simd</c> kernels. Arguments are checked here (the library checks again and
/// would report a status, which surfaces as <see cref="InvalidOperationException"/>: a bug, not a
/// fallback); spans are pinned for the call only. The <c>*Unchecked</c> methods skip the checks, for
/// <see cref="CrossoverSimilarityKernel{TManaged}"/>, which has made them.
/// </summary>
internal sealed unsafe class NativeSimilarityKernel : ISimilarityKernel
{
    /// <summary>
    /// Pair calls up to this length skip the GC transition (<c>[SuppressGCTransition]</c>): about
    /// 0.3 µs of work at most. Longer ones take the transition, so a long vector never holds
    /// off a garbage collection that another thread is waiting for.
    /// </summary>
    internal const int MaxShortCallLength = 4096;

    internal NativeSimilarityKernel(string description) => Description = description;

    /// <summary>A pair export, as its short (no GC transition) and long imports.</summary>
    private interface IPairExport
    {
        static abstract string Name { get; }

        static abstract NativeStatus Short(float* x, float* y, nuint length, float* result);

        static abstract NativeStatus Long(float* x, float* y, nuint length, float* result);
    }

    public KernelBackend Backend => KernelBackend.Native;

    public string Description { get; }

    public float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        KernelGuard.RequireSameLength(x, y);
        return Pair<DotExport>(x, y);
    }

    public float Cosine(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        KernelGuard.RequireSameLength(x, y);
        return Pair<CosineExport>(x, y);
    }

    public float SquaredEuclidean(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        KernelGuard.RequireSameLength(x, y);
        return Pair<SquaredEuclideanExport>(x, y);
    }

    public void DotBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination)
    {
        int count = KernelGuard.RequireBatch(query, rows, destination);
        DotBatchUnchecked(query, rows, destination, count);
    }

    public void CosineBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination)
    {
        int count = KernelGuard.RequireBatch(query, rows, destination);
        CosineBatchUnchecked(query, rows, destination, count);
    }

    /// <summary><see cref="Dot"/> of two vectors of equal length.</summary>
    internal static float DotUnchecked(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => Pair<DotExport>(x, y);

    /// <summary><see cref="Cosine"/> of two vectors of equal length.</summary>
    internal static float CosineUnchecked(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => Pair<CosineExport>(x, y);

    /// <summary><see cref="SquaredEuclidean"/> of two vectors of equal length.</summary>
    internal static float SquaredEuclideanUnchecked(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => Pair<SquaredEuclideanExport>(x, y);

    /// <summary><see cref="DotBatch"/> of arguments <see cref="KernelGuard.RequireBatch"/> accepted (<paramref name="count"/> rows).</summary>
    internal static void DotBatchUnchecked(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination, int count)
    {
        fixed (float* pq = query)
        fixed (float* pr = rows)
        fixed (float* pd = destination)
        {
            Check(NativeMethods.cortex_batch_dot_f32(pq, pr, (nuint)query.Length, (nuint)count, pd), "cortex_batch_dot_f32");
        }
    }

    /// <summary><see cref="CosineBatch"/> of arguments <see cref="KernelGuard.RequireBatch"/> accepted (<paramref name="count"/> rows).</summary>
    internal static void CosineBatchUnchecked(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination, int count)
    {
        fixed (float* pq = query)
        fixed (float* pr = rows)
        fixed (float* pd = destination)
        {
            Check(NativeMethods.cortex_batch_cosine_f32(pq, pr, (nuint)query.Length, (nuint)count, pd), "cortex_batch_cosine_f32");
        }
    }

    /// <summary>
    /// One path for every pair export; the struct type argument keeps each call a direct P/Invoke
    /// the JIT inlines (a function pointer would cost an indirect call on every operation).
    /// </summary>
    private static float Pair<TExport>(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
        where TExport : struct, IPairExport
    {
        if (x.Length > MaxShortCallLength)
        {
            return PairWithTransition<TExport>(x, y);
        }

        float result;
        fixed (float* px = x)
        fixed (float* py = y)
        {
            Check(TExport.Short(px, py, (nuint)x.Length, &result), TExport.Name);
        }

        return result;
    }

    /// <summary>
    /// The long-input path, in a method of its own: a P/Invoke with a GC transition makes the JIT
    /// set up a call frame in the prolog of the method that contains it, on every call, which would
    /// cost the short path about 5 ns.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float PairWithTransition<TExport>(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
        where TExport : struct, IPairExport
    {
        float result;
        fixed (float* px = x)
        fixed (float* py = y)
        {
            Check(TExport.Long(px, py, (nuint)x.Length, &result), TExport.Name);
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

    private readonly struct DotExport : IPairExport
    {
        public static string Name => "cortex_dot_f32";

        public static NativeStatus Short(float* x, float* y, nuint length, float* result) => NativeMethods.cortex_dot_f32(x, y, length, result);

        public static NativeStatus Long(float* x, float* y, nuint length, float* result) => NativeMethods.cortex_dot_f32_gc_transition(x, y, length, result);
    }

    private readonly struct CosineExport : IPairExport
    {
        public static string Name => "cortex_cosine_f32";

        public static NativeStatus Short(float* x, float* y, nuint length, float* result) => NativeMethods.cortex_cosine_f32(x, y, length, result);

        public static NativeStatus Long(float* x, float* y, nuint length, float* result) => NativeMethods.cortex_cosine_f32_gc_transition(x, y, length, result);
    }

    private readonly struct SquaredEuclideanExport : IPairExport
    {
        public static string Name => "cortex_squared_euclidean_f32";

        public static NativeStatus Short(float* x, float* y, nuint length, float* result) => NativeMethods.cortex_squared_euclidean_f32(x, y, length, result);

        public static NativeStatus Long(float* x, float* y, nuint length, float* result) => NativeMethods.cortex_squared_euclidean_f32_gc_transition(x, y, length, result);
    }
}
