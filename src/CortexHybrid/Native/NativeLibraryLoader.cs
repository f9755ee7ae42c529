using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace CortexHybrid.Native;

/// <summary>
/// Finds, loads and checks <c>libcortex_simd</c> once, and registers the resolver that binds every
/// <see cref="NativeMethods"/> import to the loaded handle. Never throws: every failure becomes a
/// <see cref="NativeLibraryLoadResult.FailureReason"/>, and the managed kernel is used instead.
/// </summary>
internal static class NativeLibraryLoader
{
    /// <summary>A file or directory that overrides where the library is looked for.</summary>
    internal const string PathVariable = "CORTEX_NATIVE_PATH";

    /// <summary>Forces the native instruction set (only <c>avx2</c>, or unset for the best available).</summary>
    internal const string IsaVariable = "CORTEX_NATIVE_ISA";

    private static readonly Lazy<NativeLibraryLoadResult> s_result = new(LoadOnce, LazyThreadSafetyMode.ExecutionAndPublication);
    private static nint s_handle;

    /// <summary>The outcome of the one load attempt (made on first access).</summary>
    internal static NativeLibraryLoadResult Result => s_result.Value;

    /// <summary>The library's file name on this operating system.</summary>
    internal static string LibraryFileName =>
        OperatingSystem.IsWindows() ? "cortex_simd.dll"
        : OperatingSystem.IsMacOS() ? "libcortex_simd.dylib"
        : "libcortex_simd.so";

    /// <summary>The portable runtime identifier, as in <c>runtimes/{rid}/native/</c>.</summary>
    internal static string RuntimeIdentifier =>
        (OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux")
        + "-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();

    private static NativeLibraryLoadResult LoadOnce()
    {
        try
        {
            return Load();
        }
        catch (Exception e)
        {
            // Type initializers must not throw; whatever went wrong is the reason.
            return NativeLibraryLoadResult.Failed($"loading the native library failed unexpectedly: {e.GetType().Name}: {e.Message}");
        }
    }

    private static NativeLibraryLoadResult Load()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return NativeLibraryLoadResult.Failed($"the native kernels are built for x64; this process is {RuntimeInformation.ProcessArchitecture}");
        }

        // The library is compiled for AVX2 + FMA: on a CPU without them even its entry code could
        // fault, so it is not loaded at all. (DOTNET_EnableAVX2=0 also lands here, by design.)
        if (!Avx2.IsSupported || !Fma.IsSupported)
        {
            return NativeLibraryLoadResult.Failed("the CPU (or the runtime's DOTNET_Enable* settings) does not offer AVX2 and FMA, which the native library requires");
        }

        string? isa = Environment.GetEnvironmentVariable(IsaVariable);
        if (!string.IsNullOrEmpty(isa) && !isa.Equals("avx2", StringComparison.OrdinalIgnoreCase))
        {
            return NativeLibraryLoadResult.Failed($"{IsaVariable}='{isa}' is not supported: set it to 'avx2' to force the AVX2 kernels, or unset it for the best available");
        }

        (nint handle, string? path, string? failure) = Find();
        if (handle == 0)
        {
            return NativeLibraryLoadResult.Failed(failure!);
        }

        // The resolver answers every NativeMethods import with this handle.
        s_handle = handle;
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);
        return Verify(path!);
    }

    /// <summary>Checks the loaded library's version and that it computes a known answer.</summary>
    private static unsafe NativeLibraryLoadResult Verify(string path)
    {
        string? version = Marshal.PtrToStringUTF8((nint)NativeMethods.cortex_version());
        if (version != NativeMethods.CrateVersion)
        {
            return NativeLibraryLoadResult.Failed($"{path} is cortex_simd {version ?? "(no version)"}, but this CortexHybrid was built against {NativeMethods.CrateVersion}");
        }

        uint capabilities = NativeMethods.cortex_capabilities();

        // 1·5 + 2·6 + 3·7 + 4·8 = 70, exactly, on every instruction set.
        float* x = stackalloc float[] { 1, 2, 3, 4 };
        float* y = stackalloc float[] { 5, 6, 7, 8 };
        float dot = float.NaN;
        NativeStatus status = NativeMethods.cortex_dot_f32(x, y, 4, &dot);
        if (status != NativeStatus.Ok || dot != 70f)
        {
            return NativeLibraryLoadResult.Failed($"{path} failed its self-test: dot([1,2,3,4],[5,6,7,8]) gave {dot} with status {status}, expected 70");
        }

        return NativeLibraryLoadResult.Loaded(path, version, capabilities);
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == NativeMethods.LibraryName ? s_handle : 0;

    /// <summary>
    /// <c>CORTEX_NATIVE_PATH</c> if set (and nothing else); otherwise beside the assembly, then
    /// <c>runtimes/{rid}/native/</c> under it (and under the app's base directory), then the
    /// runtime's own probing (the app's deps.json, <c>LD_LIBRARY_PATH</c>).
    /// </summary>
    private static (nint Handle, string? Path, string? Failure) Find()
    {
        string fileName = LibraryFileName;
        string? overridePath = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrEmpty(overridePath))
        {
            string file = Directory.Exists(overridePath) ? Path.Combine(overridePath, fileName) : overridePath;
            if (!File.Exists(file))
            {
                return (0, null, $"{PathVariable} points to '{file}', which does not exist");
            }

            return TryLoad(file, out nint handle, out string? error)
                ? (handle, file, null)
                : (0, null, $"{PathVariable} points to '{file}', which could not be loaded: {error}");
        }

        var attempts = new List<string>();
        foreach (string directory in BaseDirectories())
        {
            foreach (string file in new[] { Path.Combine(directory, fileName), Path.Combine(directory, "runtimes", RuntimeIdentifier, "native", fileName) })
            {
                if (!File.Exists(file))
                {
                    attempts.Add($"'{file}' does not exist");
                    continue;
                }

                if (TryLoad(file, out nint handle, out string? error))
                {
                    return (handle, file, null);
                }

                attempts.Add($"'{file}' could not be loaded: {error}");
            }
        }

        if (NativeLibrary.TryLoad(NativeMethods.LibraryName, typeof(NativeLibraryLoader).Assembly, null, out nint probed))
        {
            return (probed, $"{fileName} (found by the runtime's probing: deps.json or LD_LIBRARY_PATH)", null);
        }

        attempts.Add("the runtime's probing (deps.json, LD_LIBRARY_PATH) found nothing");
        return (0, null, $"{fileName} was not found: {string.Join("; ", attempts)}");
    }

    private static bool TryLoad(string file, out nint handle, out string? error)
    {
        try
        {
            handle = NativeLibrary.Load(file);
            error = null;
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            handle = 0;

            // The runtime's message ends with the dynamic loader's own line ("...: invalid ELF header").
            string[] lines = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            error = lines.Length > 0 ? lines[^1] : e.GetType().Name;
            return false;
        }
    }

    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "Location is empty in a single-file app; AppContext.BaseDirectory is probed as well.")]
    private static IEnumerable<string> BaseDirectories()
    {
        string? assemblyDirectory = Path.GetDirectoryName(typeof(NativeLibraryLoader).Assembly.Location);
        if (!string.IsNullOrEmpty(assemblyDirectory))
        {
            yield return assemblyDirectory;
        }

        string baseDirectory = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);
        if (!string.Equals(baseDirectory, assemblyDirectory, StringComparison.Ordinal))
        {
            yield return baseDirectory;
        }
    }
}
