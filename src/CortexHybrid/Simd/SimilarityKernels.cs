using System.Runtime.Intrinsics;
using CortexHybrid.Native;

namespace CortexHybrid.Simd;

/// <summary>
/// The similarity kernels of this process: each backend by name, and <see cref="Default"/>, the
/// fastest that works here (Native ► Managed ► Scalar) unless <c>CORTEX_KERNEL</c> picks one.
/// </summary>
/// <example>
/// <code>
/// ISimilarityKernel kernel = SimilarityKernels.Default;
/// float cosine = kernel.Cosine(queryEmbedding, documentEmbedding);
/// Console.WriteLine($"{cosine} via {kernel.Description}");
/// </code>
/// </example>
public static class SimilarityKernels
{
    /// <summary>The environment variable that picks <see cref="Default"/>: <c>native</c>, <c>managed</c> or <c>scalar</c>.</summary>
    public const string KernelVariable = "CORTEX_KERNEL";

    /// <summary>The scalar kernel: plain loops, available everywhere.</summary>
    public static ISimilarityKernel Scalar { get; } = new SpanSimilarityKernel<ScalarEngine>();

    /// <summary>
    /// The managed SIMD kernel: the widest of <c>Vector512</c>, <c>Vector256</c>, <c>Vector128</c>
    /// the JIT accelerates (plain loops if none is).
    /// </summary>
    public static ISimilarityKernel Managed => ManagedKernels.UpTo512;

    /// <summary>The Rust kernel, or null when the library cannot be used (see <see cref="NativeUnavailableReason"/>).</summary>
    /// <remarks>The library is found and loaded on first access.</remarks>
    public static ISimilarityKernel? Native => NativeHolder.Kernel;

    /// <summary>Why <see cref="Native"/> is null; null when it is available.</summary>
    public static string? NativeUnavailableReason => NativeLibraryLoader.Result.FailureReason;

    /// <summary>The loaded native library (path, version, instruction set, CPU features); null when <see cref="Native"/> is.</summary>
    public static NativeLibraryInfo? NativeLibrary => NativeHolder.Info;

    /// <summary>
    /// The kernel to use: Native if available, else Managed if the JIT accelerates any vector width,
    /// else Scalar. <c>CORTEX_KERNEL=native|managed|scalar</c> forces one (for tests and CI).
    /// </summary>
    /// <exception cref="InvalidOperationException"><c>CORTEX_KERNEL</c> has an unknown value, or
    /// forces <c>native</c> where the library cannot be used: a forced choice never falls back
    /// silently.</exception>
    public static ISimilarityKernel Default => DefaultHolder.Kernel ?? throw new InvalidOperationException(DefaultHolder.Error);

    private static class NativeHolder
    {
        internal static readonly ISimilarityKernel? Kernel = Create(NativeLibraryLoader.Result);
        internal static readonly NativeLibraryInfo? Info = NativeLibraryLoader.Result.Info;

        private static NativeSimilarityKernel? Create(NativeLibraryLoadResult result) =>
            result.IsLoaded
                ? new NativeSimilarityKernel(
                    $"native {result.InstructionSet} (cortex_simd {result.Version})"
                    + (result.InstructionSetForced ? $", forced by {NativeLibraryLoader.IsaVariable}" : string.Empty))
                : null;
    }

    private static class DefaultHolder
    {
        internal static readonly string? Error;
        internal static readonly ISimilarityKernel? Kernel = Choose(Environment.GetEnvironmentVariable(KernelVariable), out Error);

        private static ISimilarityKernel? Choose(string? forced, out string? error)
        {
            error = null;
            switch (forced?.Trim().ToLowerInvariant())
            {
                case null or "":
                    return Native ?? (Vector128.IsHardwareAccelerated ? Managed : Scalar);
                case "native":
                    error = $"{KernelVariable}=native, but the native kernel cannot be used: {NativeUnavailableReason}";
                    return Native;
                case "managed":
                    return Managed;
                case "scalar":
                    return Scalar;
                default:
                    error = $"{KernelVariable}='{forced}' is not one of native, managed, scalar.";
                    return null;
            }
        }
    }
}
