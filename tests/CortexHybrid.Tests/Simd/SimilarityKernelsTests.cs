using CortexHybrid.Simd;
using CortexHybrid.Tests.Support;

namespace CortexHybrid.Tests.Simd;

/// <summary>
/// Start-up choices: which kernel <see cref="SimilarityKernels.Default"/> is, and why native is or
/// is not used. Each case runs in a child process, since the choice is made once per process.
/// </summary>
public class SimilarityKernelsTests
{
    private static readonly string s_libraryBeside = Path.Combine(AppContext.BaseDirectory, "libcortex_simd.so");

    [Fact]
    public void Native_is_the_default_when_the_library_is_beside_the_assembly()
    {
        Assert.True(File.Exists(s_libraryBeside), "the build copies libcortex_simd.so beside the assemblies");
        ProbeReport report = ProbeProcess.Run(new Dictionary<string, string?>());
        Assert.Null(report.NativeUnavailableReason);
        Assert.Equal(nameof(KernelBackend.Native), report.DefaultBackend);
        Assert.Equal(32f, report.DefaultDot);
        Assert.StartsWith("native avx", report.NativeDescription);
        Assert.Contains("(cortex_simd ", report.NativeDescription);
    }

    [Fact]
    public void The_default_names_the_crossover_and_forcing_native_means_native_at_every_length()
    {
        ProbeReport routed = ProbeProcess.Run(new Dictionary<string, string?> { ["CORTEX_KERNEL"] = null });
        Assert.Equal(nameof(KernelBackend.Native), routed.DefaultBackend);
        Assert.StartsWith(routed.NativeDescription!, routed.DefaultDescription, StringComparison.Ordinal);
        Assert.Contains($"below {SimilarityKernels.NativeCrossover} floats", routed.DefaultDescription, StringComparison.Ordinal);

        ProbeReport forced = ProbeProcess.Run(new Dictionary<string, string?> { ["CORTEX_KERNEL"] = "native" });
        Assert.Equal(forced.NativeDescription, forced.DefaultDescription);
    }

    [Fact]
    public void The_library_is_also_found_under_runtimes_rid_native()
    {
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libcortex_simd.so")));
        using var directory = new TemporaryDirectory();
        string native = Path.Combine(directory.Path, "runtimes", "linux-x64", "native");
        Directory.CreateDirectory(native);
        File.Copy(s_libraryBeside, Path.Combine(native, "libcortex_simd.so"));

        // CORTEX_NATIVE_PATH may name a directory; the file name is added.
        ProbeReport report = ProbeProcess.Run(new Dictionary<string, string?> { ["CORTEX_NATIVE_PATH"] = native });
        Assert.Null(report.NativeUnavailableReason);
        Assert.Equal(nameof(KernelBackend.Native), report.DefaultBackend);
    }

    [Fact]
    public void A_missing_library_falls_back_to_managed_and_says_where_it_looked()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "libcortex_simd.so");
        ProbeReport report = ProbeProcess.Run(new Dictionary<string, string?> { ["CORTEX_NATIVE_PATH"] = missing });
        Assert.Equal(nameof(KernelBackend.Managed), report.DefaultBackend);
        Assert.Equal(32f, report.DefaultDot);
        Assert.Null(report.NativeDescription);
        Assert.Contains(missing, report.NativeUnavailableReason);
        Assert.Contains("does not exist", report.NativeUnavailableReason);
    }

    [Fact]
    public void A_broken_library_falls_back_to_managed_with_the_loaders_reason()
    {
        using var directory = new TemporaryDirectory();
        string broken = Path.Combine(directory.Path, "libcortex_simd.so");
        // Long enough for the loader to read a header (a shorter file is "file too short").
        File.WriteAllText(broken, string.Concat(Enumerable.Repeat("this is not an ELF shared object. ", 64)));
        ProbeReport report = ProbeProcess.Run(new Dictionary<string, string?> { ["CORTEX_NATIVE_PATH"] = broken });
        Assert.Equal(nameof(KernelBackend.Managed), report.DefaultBackend);
        Assert.Contains("could not be loaded", report.NativeUnavailableReason);
        Assert.Contains("invalid ELF header", report.NativeUnavailableReason);
    }

    [Fact]
    public void Forcing_native_where_it_cannot_load_is_an_error_not_a_silent_fallback()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N"));
        ProbeReport report = ProbeProcess.Run(new Dictionary<string, string?>
        {
            ["CORTEX_KERNEL"] = "native",
            ["CORTEX_NATIVE_PATH"] = missing,
        });
        Assert.Null(report.DefaultBackend);
        Assert.Contains("CORTEX_KERNEL=native", report.DefaultError);
        Assert.Contains(missing, report.DefaultError);
    }

    [Theory]
    [InlineData("scalar", nameof(KernelBackend.Scalar))]
    [InlineData("managed", nameof(KernelBackend.Managed))]
    [InlineData("native", nameof(KernelBackend.Native))]
    [InlineData(" Managed ", nameof(KernelBackend.Managed))]
    public void CORTEX_KERNEL_picks_the_default(string value, string expected)
    {
        ProbeReport report = ProbeProcess.Run(new Dictionary<string, string?> { ["CORTEX_KERNEL"] = value });
        Assert.Equal(expected, report.DefaultBackend);
        Assert.Equal(32f, report.DefaultDot);
    }

    [Fact]
    public void An_unknown_CORTEX_KERNEL_is_an_error_naming_the_valid_values()
    {
        ProbeReport report = ProbeProcess.Run(new Dictionary<string, string?> { ["CORTEX_KERNEL"] = "gpu" });
        Assert.Null(report.DefaultBackend);
        Assert.Contains("'gpu'", report.DefaultError);
        Assert.Contains("native, managed, scalar", report.DefaultError);
    }

    [Fact]
    public void CORTEX_NATIVE_ISA_avx2_forces_the_avx2_kernels()
    {
        ProbeReport report = ProbeProcess.Run(new Dictionary<string, string?> { ["CORTEX_NATIVE_ISA"] = "avx2" });
        Assert.Equal(nameof(KernelBackend.Native), report.DefaultBackend);
        Assert.StartsWith("native avx2 ", report.NativeDescription);
        Assert.Contains("forced by CORTEX_NATIVE_ISA", report.NativeDescription);
    }

    [Fact]
    public void Without_CORTEX_NATIVE_ISA_the_best_instruction_set_is_used()
    {
        ProbeReport report = ProbeProcess.Run(new Dictionary<string, string?>());
        string expected = System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? "native avx512 " : "native avx2 ";
        Assert.StartsWith(expected, report.NativeDescription);
        Assert.DoesNotContain("forced", report.NativeDescription);
    }

    [Fact]
    public void An_unknown_CORTEX_NATIVE_ISA_keeps_native_off_and_says_why()
    {
        ProbeReport report = ProbeProcess.Run(new Dictionary<string, string?> { ["CORTEX_NATIVE_ISA"] = "sse2" });
        Assert.Equal(nameof(KernelBackend.Managed), report.DefaultBackend);
        Assert.Contains("CORTEX_NATIVE_ISA='sse2'", report.NativeUnavailableReason);
    }

    [Fact]
    public void This_process_reports_the_forced_instruction_set_when_CI_forces_it()
    {
        // CI runs the whole suite once with CORTEX_NATIVE_ISA=avx2: that run must really be on AVX2.
        ISimilarityKernel native = Backends.Get("native");
        bool forced = string.Equals(Environment.GetEnvironmentVariable("CORTEX_NATIVE_ISA"), "avx2", StringComparison.OrdinalIgnoreCase);
        Assert.Equal(forced, native.Description.StartsWith("native avx2 ", StringComparison.Ordinal) && native.Description.Contains("forced", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_backend_is_reachable_by_name()
    {
        Assert.Equal(KernelBackend.Scalar, SimilarityKernels.Scalar.Backend);
        Assert.Equal("scalar", SimilarityKernels.Scalar.Description);
        Assert.Equal(KernelBackend.Managed, SimilarityKernels.Managed.Backend);
        Assert.StartsWith("managed", SimilarityKernels.Managed.Description);
        Assert.Equal(KernelBackend.Native, Backends.Get("native").Backend);
    }
}
