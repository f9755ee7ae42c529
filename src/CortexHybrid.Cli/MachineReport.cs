using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CortexHybrid.Native;
using CortexHybrid.Simd;

namespace CortexHybrid.Cli;

/// <summary>What <c>cortex info</c> reports: the machine, what .NET sees of it, and which kernel runs and why.</summary>
/// <param name="Runtime">The .NET runtime.</param>
/// <param name="OperatingSystem">The operating system.</param>
/// <param name="Architecture">The process architecture.</param>
/// <param name="ProcessorCount">Logical processors.</param>
/// <param name="CpuModel">The CPU model, where the OS tells it.</param>
/// <param name="CpuFeatures">Instruction sets as .NET sees them (the runtime's DOTNET_Enable* settings apply).</param>
/// <param name="DefaultKernel">The description of <see cref="SimilarityKernels.Default"/>, or null when it cannot be chosen.</param>
/// <param name="DefaultKernelError">Why <see cref="SimilarityKernels.Default"/> cannot be chosen (a bad <c>CORTEX_KERNEL</c>).</param>
/// <param name="Native">The loaded native library, or null.</param>
/// <param name="NativeUnavailableReason">Why the native kernel is not used.</param>
/// <param name="ManagedKernel">The managed kernel's description.</param>
/// <param name="Environment">The CortexHybrid environment variables that are set.</param>
internal sealed record MachineReport(
    string Runtime,
    string OperatingSystem,
    string Architecture,
    int ProcessorCount,
    string CpuModel,
    IReadOnlyDictionary<string, bool> CpuFeatures,
    string? DefaultKernel,
    string? DefaultKernelError,
    NativeLibraryInfo? Native,
    string? NativeUnavailableReason,
    string ManagedKernel,
    IReadOnlyDictionary<string, string> Environment)
{
    private static readonly string[] s_variables = ["CORTEX_KERNEL", "CORTEX_NATIVE_ISA", "CORTEX_NATIVE_PATH"];

    /// <summary>Looks at this process and machine.</summary>
    public static MachineReport Gather()
    {
        string? defaultKernel = null, defaultError = null;
        try
        {
            defaultKernel = SimilarityKernels.Default.Description;
        }
        catch (InvalidOperationException e)
        {
            defaultError = e.Message;
        }

        return new MachineReport(
            RuntimeInformation.FrameworkDescription,
            RuntimeInformation.OSDescription,
            RuntimeInformation.ProcessArchitecture.ToString(),
            System.Environment.ProcessorCount,
            ReadCpuModel(),
            new Dictionary<string, bool>
            {
                ["AVX2"] = Avx2.IsSupported,
                ["FMA"] = Fma.IsSupported,
                ["AVX-512F"] = Avx512F.IsSupported,
                ["Vector128 accelerated"] = Vector128.IsHardwareAccelerated,
                ["Vector256 accelerated"] = Vector256.IsHardwareAccelerated,
                ["Vector512 accelerated"] = Vector512.IsHardwareAccelerated,
            },
            defaultKernel,
            defaultError,
            SimilarityKernels.NativeLibrary,
            SimilarityKernels.NativeUnavailableReason,
            SimilarityKernels.Managed.Description,
            s_variables
                .Select(name => (name, value: System.Environment.GetEnvironmentVariable(name)))
                .Where(v => !string.IsNullOrEmpty(v.value))
                .ToDictionary(v => v.name, v => v.value!));
    }

    /// <summary>The report as aligned text lines.</summary>
    public IEnumerable<string> ToText()
    {
        yield return $"runtime          {Runtime} on {OperatingSystem} ({Architecture}, {ProcessorCount} logical processors)";
        yield return $"cpu              {CpuModel}";
        yield return $"cpu features     {string.Join("  ", CpuFeatures.Select(f => $"{f.Key} {(f.Value ? "yes" : "no")}"))}";
        yield return $"default kernel   {DefaultKernel ?? "error: " + DefaultKernelError}";
        if (Native is { } native)
        {
            yield return $"native kernel    {native.InstructionSet}{(native.InstructionSetForced ? " (forced by CORTEX_NATIVE_ISA)" : string.Empty)}, cortex_simd {native.Version}";
            yield return $"native library   {native.Path}";
        }
        else
        {
            yield return $"native kernel    not used: {NativeUnavailableReason}";
        }

        yield return $"managed kernel   {ManagedKernel}";
        foreach ((string name, string value) in Environment)
        {
            yield return $"environment      {name}={value}";
        }
    }

    private static string ReadCpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                if (line is not null)
                {
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
            // Not knowing the model name is not an error worth failing info for.
        }

        return "unknown";
    }
}
