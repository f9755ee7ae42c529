using CortexHybrid.Tests.Support;

namespace CortexHybrid.Tests.Native;

/// <summary>
/// The checked-in <c>NativeMethods.g.cs</c> must be exactly what <c>build.rs</c> generates from the
/// Rust source. The .NET build runs cargo with <c>CORTEX_BINDINGS=verify</c>, which never rewrites
/// the file, so this compares the committed text, not a freshly regenerated copy.
/// </summary>
public class GeneratedBindingsTests
{
    private static readonly string s_crate = Path.Combine(RepositoryPaths.Root, "native", "cortex_simd");
    private static readonly string s_checkedIn = Path.Combine(RepositoryPaths.Root, "src", "CortexHybrid", "Native", "NativeMethods.g.cs");

    [Fact]
    public void Checked_in_bindings_equal_what_the_Rust_source_generates()
    {
        using var work = new TemporaryDirectory();
        string generated = Generate(work.Path, s_crate);
        string checkedIn = File.ReadAllText(s_checkedIn);
        if (generated != checkedIn)
        {
            string[] a = checkedIn.Split('\n'), b = generated.Split('\n');
            int line = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i], Math.Min(a.Length, b.Length));
            Assert.Fail(
                $"{s_checkedIn} is stale: run `cargo build` in the repository root and commit it.\n"
                + $"First difference at line {line + 1}:\n  checked in: {(line < a.Length ? a[line] : "<end>")}\n  generated:  {(line < b.Length ? b[line] : "<end>")}");
        }
    }

    [Fact]
    public void A_changed_Rust_signature_changes_the_generated_bindings()
    {
        // Proves the comparison above can fail: the generator follows the source.
        using var work = new TemporaryDirectory();
        string crate = Path.Combine(work.Path, "crate");
        Directory.CreateDirectory(Path.Combine(crate, "src"));
        File.Copy(Path.Combine(s_crate, "Cargo.toml"), Path.Combine(crate, "Cargo.toml"));
        string lib = File.ReadAllText(Path.Combine(s_crate, "src", "lib.rs"));
        const string original = "pub unsafe extern \"C\" fn cortex_dot_f32(x: *const f32, y: *const f32, len: usize, result: *mut f32) -> Status {";
        Assert.Contains(original, lib);
        File.WriteAllText(Path.Combine(crate, "src", "lib.rs"), lib.Replace(original, original.Replace("len: usize", "length: usize", StringComparison.Ordinal), StringComparison.Ordinal));

        string generated = Generate(work.Path, crate);
        Assert.Contains("cortex_dot_f32(float* x, float* y, nuint length, float* result)", generated);
        Assert.NotEqual(File.ReadAllText(s_checkedIn), generated);
    }

    /// <summary>
    /// Compiles <c>build.rs</c> as a plain program (it reads only CARGO_MANIFEST_DIR) and runs it
    /// with its output redirected to a temporary file.
    /// </summary>
    private static string Generate(string workDirectory, string crateDirectory)
    {
        string generator = Path.Combine(workDirectory, "bindgen");
        (int compiled, _, string compileErrors) = ChildProcess.Run(
            RepositoryPaths.RustTool("rustc"),
            ["--edition", "2021", Path.Combine(s_crate, "build.rs"), "-o", generator],
            workingDirectory: workDirectory);
        Assert.True(compiled == 0, $"rustc build.rs failed: {compileErrors}");

        string output = Path.Combine(workDirectory, "NativeMethods.g.cs");
        (int ran, _, string runErrors) = ChildProcess.Run(
            generator,
            [],
            new Dictionary<string, string?>
            {
                ["CARGO_MANIFEST_DIR"] = crateDirectory,
                ["CORTEX_BINDINGS_OUT"] = output,
                ["CORTEX_BINDINGS"] = null,
            });
        Assert.True(ran == 0, $"the generator failed: {runErrors}");
        return File.ReadAllText(output);
    }
}
