using System.Text.RegularExpressions;
using CortexHybrid.Native;
using CortexHybrid.Tests.Support;

namespace CortexHybrid.Tests.Native;

/// <summary>
/// No panic may cross the C ABI. The crate is written so that none can happen; this reads the
/// machine code of the loaded library and checks that no function of the crate (the exports and
/// everything of cortex_simd they call) calls into Rust's panic machinery, such as a bounds check's
/// <c>panic_bounds_check</c>. Needs <c>objdump</c> (binutils, which Rust's linker already requires).
/// </summary>
public partial class NoPanicTests
{
    [Fact]
    public void No_function_of_the_crate_calls_a_panic()
    {
        NativeLibraryLoadResult result = NativeLibraryLoader.Result;
        Assert.True(result.IsLoaded, result.FailureReason);
        (int exitCode, string disassembly, string error) = ChildProcess.Run("objdump", ["-d", "--no-show-raw-insn", result.Path!]);
        Assert.True(exitCode == 0, $"objdump failed: {error}");

        var ours = new List<string>();
        var offending = new List<string>();
        string? function = null;
        foreach (string line in disassembly.Split('\n'))
        {
            Match start = FunctionStart().Match(line);
            if (start.Success)
            {
                string name = start.Groups[1].Value;
                function = name.Contains("cortex_simd", StringComparison.Ordinal) || name.StartsWith("cortex_", StringComparison.Ordinal) ? name : null;
                if (function is not null)
                {
                    ours.Add(function);
                }
            }
            else if (function is not null && PanicCall().IsMatch(line))
            {
                offending.Add($"{function}: {line.Trim()}");
            }
        }

        // The check must have seen the exports and the kernels, or it proves nothing.
        Assert.Contains("cortex_dot_f32", ours);
        Assert.Contains("cortex_batch_cosine_f32", ours);
        Assert.Contains(ours, name => name.Contains("avx512", StringComparison.Ordinal));
        Assert.True(offending.Count == 0, "calls into panic machinery:\n" + string.Join('\n', offending));
    }

    [GeneratedRegex(@"^[0-9a-f]+ <([^>]+)>:$")]
    private static partial Regex FunctionStart();

    [GeneratedRegex(@"\b(call|jmp)\b.*<[^>]*(panic|unwrap_failed|expect_failed|slice_index|slice_end_index|slice_start_index)[^>]*>")]
    private static partial Regex PanicCall();
}
