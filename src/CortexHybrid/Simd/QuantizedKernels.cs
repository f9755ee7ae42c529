using System.Runtime.Intrinsics;
using CortexHybrid.Native;

namespace CortexHybrid.Simd;

/// <summary>
/// The quantized (int8 and bfloat16) kernels of this process, by backend: the same three paths as
/// <see cref="SimilarityKernels"/>, so a caller that chose an f32 kernel gets the quantized
/// kernel of the same backend with <see cref="For"/>.
/// </summary>
internal static class QuantizedKernels
{
    /// <summary>
    /// The longest int8 vector a kernel accepts: <c>int.MaxValue / (128·128)</c>, so that no dot
    /// product (each term at most 2^14 in magnitude) can leave int32. The native library has the same limit.
    /// </summary>
    public const int MaxInt8Length = 131071;

    /// <summary>Plain loops, available everywhere.</summary>
    public static IQuantizedKernel Scalar { get; } = new QuantizedSpanKernel<QuantizedScalarEngine>();

    /// <summary>The managed SIMD kernel: the widest of Vector512, Vector256, Vector128 the JIT accelerates.</summary>
    public static IQuantizedKernel Managed => UpTo512;

    /// <summary>Vector128, else scalar loops.</summary>
    public static IQuantizedKernel UpTo128 { get; } =
        new QuantizedSpanKernel<QuantizedVectorEngine<Vector128<int>, Vector128<float>, QuantizedVector128Isa, QuantizedScalarEngine>>();

    /// <summary>Vector256, else Vector128, else scalar loops.</summary>
    public static IQuantizedKernel UpTo256 { get; } =
        new QuantizedSpanKernel<QuantizedVectorEngine<Vector256<int>, Vector256<float>, QuantizedVector256Isa,
            QuantizedVectorEngine<Vector128<int>, Vector128<float>, QuantizedVector128Isa, QuantizedScalarEngine>>>();

    /// <summary>Vector512, else Vector256, else Vector128, else scalar loops.</summary>
    public static IQuantizedKernel UpTo512 { get; } =
        new QuantizedSpanKernel<QuantizedVectorEngine<Vector512<int>, Vector512<float>, QuantizedVector512Isa,
            QuantizedVectorEngine<Vector256<int>, Vector256<float>, QuantizedVector256Isa,
                QuantizedVectorEngine<Vector128<int>, Vector128<float>, QuantizedVector128Isa, QuantizedScalarEngine>>>>();

    /// <summary>The Rust kernel, or null when the library cannot be used (<see cref="SimilarityKernels.NativeUnavailableReason"/> says why).</summary>
    public static IQuantizedKernel? Native => NativeHolder.Kernel;

    /// <summary><see cref="Native"/> as its own type, for what only the native kernel can say (whether bf16 denormals are flushed).</summary>
    internal static NativeQuantizedKernel? NativeKernel => NativeHolder.Kernel;

    /// <summary>The quantized kernel of <paramref name="backend"/>.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="backend"/> is
    /// <see cref="KernelBackend.Native"/> and the native library cannot be used.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="backend"/> is not a defined value.</exception>
    public static IQuantizedKernel For(KernelBackend backend) => backend switch
    {
        KernelBackend.Native => Native
            ?? throw new InvalidOperationException($"The native quantized kernel cannot be used: {NativeLibraryLoader.Result.FailureReason}"),
        KernelBackend.Managed => Managed,
        KernelBackend.Scalar => Scalar,
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Not a kernel backend."),
    };

    private static class NativeHolder
    {
        internal static readonly NativeQuantizedKernel? Kernel =
            NativeLibraryLoader.Result.IsLoaded ? NativeQuantizedKernel.Create(NativeLibraryLoader.Result) : null;
    }
}
