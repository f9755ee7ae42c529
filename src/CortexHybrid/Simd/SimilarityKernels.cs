using System.Runtime.Intrinsics;
using CortexHybrid.Native;

namespace CortexHybrid.Simd;

/// <summary>
/// The similarity kernels of this process: each backend by name, and <see cref="Default"/>, the
/// fastest that works here (Native from <see cref="NativeCrossover"/> floats on and Managed below
/// it ► Managed ► Scalar) unless <c>CORTEX_KERNEL</c> picks one.
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

    /// <summary>
    /// The shortest vector that <see cref="Default"/>, when the native library loads and
    /// <c>CORTEX_KERNEL</c> is not set, hands to the native kernel: pair calls on shorter vectors,
    /// and batches whose dimension is shorter, run on <see cref="Managed"/> instead, since there a
    /// call into the library costs more than the arithmetic it saves.
    /// </summary>
    /// <remarks>
    /// <para>Fixed from <c>DefaultKernelPairBenchmarks</c> (Dot, Cosine and SquaredEuclidean at 16
    /// to 1,536 floats, managed and native against TensorPrimitives in one run), not measured at
    /// start-up: a start-up measurement would cost every process time, and on a loaded machine it
    /// would pick different crossovers in different runs, so the same inputs would give results
    /// that differ in the last bits from run to run (the two kernels add in different orders).</para>
    /// <para>One crossover for every operation and for batches, so a batch row still equals the
    /// pair result for that row bit for bit. The choice is by length only; the results of either
    /// side meet the same accuracy contract (<see cref="ISimilarityKernel"/>).</para>
    /// </remarks>
    public const int NativeCrossover = 512;

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
    /// The kernel to use: where the native library loads, Native for vectors of
    /// <see cref="NativeCrossover"/> floats or more and Managed for shorter ones (its
    /// <see cref="ISimilarityKernel.Backend"/> is <see cref="KernelBackend.Native"/>, since batches
    /// of that length and <c>VectorIndex</c>'s searches run in Rust, and its description names both
    /// kernels and the crossover); else Managed if the JIT accelerates any vector width; else Scalar.
    /// <c>CORTEX_KERNEL=native|managed|scalar</c> forces one kernel at every length (for tests and CI).
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
                    return Native is { } native ? ManagedKernels.WithNativeFrom(native, NativeCrossover)
                        : Vector128.IsHardwareAccelerated ? Managed : Scalar;
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
