using System.Reflection;
using System.Runtime.InteropServices;
using CortexHybrid.Native;
using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Native;

/// <summary>
/// The imports as the runtime sees them. The LibraryImport generator has been reported not to
/// forward <c>[SuppressGCTransition]</c>; for blittable signatures it emits the P/Invoke on the
/// partial method itself, so the attribute must be on the method that carries the P/Invoke
/// metadata, which is what the runtime reads when it compiles the call.
/// </summary>
public class NativeMethodsTests
{
    private static readonly string[] s_shortCalls =
        ["cortex_noop", "cortex_capabilities", "cortex_dot_f32", "cortex_cosine_f32", "cortex_squared_euclidean_f32"];

    private static readonly string[] s_transitioningCalls =
        [
            "cortex_version", "cortex_batch_dot_f32", "cortex_batch_cosine_f32", "cortex_noop_gc_transition", "cortex_capabilities_gc_transition",
            "cortex_dot_f32_gc_transition", "cortex_cosine_f32_gc_transition", "cortex_squared_euclidean_f32_gc_transition",
        ];

    [Fact]
    public void Short_calls_are_P_Invokes_that_suppress_the_GC_transition()
    {
        foreach (string name in s_shortCalls)
        {
            MethodInfo method = PInvoke(name);
            Assert.True(method.GetCustomAttribute<SuppressGCTransitionAttribute>() is not null, $"{name} lacks [SuppressGCTransition] on its P/Invoke");
        }
    }

    [Fact]
    public void Long_calls_and_the_gc_transition_twins_keep_the_transition()
    {
        foreach (string name in s_transitioningCalls)
        {
            MethodInfo method = PInvoke(name);
            Assert.True(method.GetCustomAttribute<SuppressGCTransitionAttribute>() is null, $"{name} must not suppress the GC transition");
        }
    }

    [Fact]
    public void Twins_bind_to_the_same_native_symbol()
    {
        foreach (string name in s_shortCalls)
        {
            Assert.Equal(name, PInvoke(name + "_gc_transition").GetCustomAttribute<DllImportAttribute>()!.EntryPoint);
        }
    }

    [Fact]
    public void Inputs_longer_than_the_short_call_limit_give_the_same_results()
    {
        // The kernel switches to the _gc_transition twins above MaxShortCallLength floats.
        ISimilarityKernel native = SimilarityKernels.Native ?? throw new InvalidOperationException(SimilarityKernels.NativeUnavailableReason);
        var random = new Random(40);
        foreach (int n in new[] { NativeSimilarityKernel.MaxShortCallLength, NativeSimilarityKernel.MaxShortCallLength + 1, 100_003 })
        {
            float[] x = Simd.Reference.RandomVector(random, n);
            float[] y = Simd.Reference.RandomVector(random, n);
            Simd.KernelAccuracyTests.CheckPair(native, x, y, $"native n={n}");
        }
    }

    [Fact]
    public void The_loaded_library_reports_the_version_the_bindings_were_generated_from()
    {
        NativeLibraryLoadResult result = NativeLibraryLoader.Result;
        Assert.True(result.IsLoaded, result.FailureReason);
        Assert.Equal(NativeMethods.CrateVersion, result.Version);
        Assert.Contains($"(cortex_simd {NativeMethods.CrateVersion})", SimilarityKernels.Native!.Description);

        // The crate's Cargo.toml is where that version comes from.
        string cargo = File.ReadAllText(Path.Combine(Support.RepositoryPaths.Root, "native", "cortex_simd", "Cargo.toml"));
        Assert.Contains($"version = \"{NativeMethods.CrateVersion}\"", cargo);
    }

    private static MethodInfo PInvoke(string name)
    {
        MethodInfo? method = typeof(NativeMethods).GetMethod(name, BindingFlags.Static | BindingFlags.NonPublic);
        Assert.NotNull(method);
        Assert.True(method.Attributes.HasFlag(MethodAttributes.PinvokeImpl), $"{name} is not itself a P/Invoke: the generator wrapped it in a stub");
        return method;
    }
}
