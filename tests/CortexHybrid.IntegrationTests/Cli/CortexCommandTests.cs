using System.Text.Json;

namespace CortexHybrid.IntegrationTests.Cli;

/// <summary>The <c>cortex</c> command end to end: output, JSON, exit codes, help.</summary>
public class CortexCommandTests
{
    [Fact]
    public void Info_names_the_kernel_and_the_native_library()
    {
        (int exitCode, string output, string error) = CortexCommand.Run("info");
        Assert.True(exitCode == 0, error);
        Assert.Contains("default kernel   native avx", output);
        Assert.Matches(@"native library   /\S+/libcortex_simd\.so", output);
        Assert.Contains("cpu features     AVX2 yes", output);
    }

    [Fact]
    public void Info_json_carries_the_same_facts()
    {
        (int exitCode, string output, string error) = CortexCommand.Run("info", "--json");
        Assert.True(exitCode == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.StartsWith("native avx", root.GetProperty("defaultKernel").GetString());
        JsonElement native = root.GetProperty("native");
        Assert.True(File.Exists(native.GetProperty("path").GetString()));
        Assert.Matches(@"^\d+\.\d+\.\d+", native.GetProperty("version").GetString());
        Assert.True(native.GetProperty("cpuHasAvx2").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("nativeUnavailableReason").ValueKind);
    }

    [Fact]
    public void Info_says_why_the_native_kernel_is_not_used()
    {
        string missing = Path.Combine(Path.GetTempPath(), "nothing-here-" + Guid.NewGuid().ToString("N"));
        (int exitCode, string output, _) = CortexCommand.Run(new Dictionary<string, string?> { ["CORTEX_NATIVE_PATH"] = missing }, "info");
        Assert.Equal(0, exitCode);
        Assert.Contains($"native kernel    not used: CORTEX_NATIVE_PATH points to '{missing}', which does not exist", output);
        Assert.Contains("default kernel   managed Vector", output);
        Assert.Contains($"environment      CORTEX_NATIVE_PATH={missing}", output);
    }

    [Fact]
    public void Info_reports_a_bad_CORTEX_KERNEL_instead_of_crashing()
    {
        (int exitCode, string output, _) = CortexCommand.Run(new Dictionary<string, string?> { ["CORTEX_KERNEL"] = "gpu" }, "info");
        Assert.Equal(0, exitCode);
        Assert.Contains("default kernel   error: CORTEX_KERNEL='gpu' is not one of native, managed, scalar.", output);
    }

    [Fact]
    public void Bench_json_compares_every_kernel_with_TensorPrimitives()
    {
        (int exitCode, string output, string error) = CortexCommand.Run("bench", "--json", "--dimensions", "16", "100", "--rounds", "1");
        Assert.True(exitCode == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement[] rows = json.RootElement.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(3 * 2, rows.Length);
        Assert.Equal(
            ["Dot/16", "Dot/100", "Cosine/16", "Cosine/100", "CosineBatch/16", "CosineBatch/100"],
            rows.Select(r => $"{r.GetProperty("operation").GetString()}/{r.GetProperty("dimension").GetInt32()}"));
        foreach (JsonElement row in rows)
        {
            JsonElement[] kernels = row.GetProperty("kernels").EnumerateArray().ToArray();
            Assert.Equal(["TensorPrimitives", "Native", "Managed", "Scalar"], kernels.Select(k => k.GetProperty("kernel").GetString()));
            double baseline = kernels[0].GetProperty("nanoseconds").GetDouble();
            Assert.True(baseline > 0);
            foreach (JsonElement kernel in kernels)
            {
                double nanoseconds = kernel.GetProperty("nanoseconds").GetDouble();
                Assert.True(nanoseconds > 0 && double.IsFinite(nanoseconds));
                Assert.Equal(nanoseconds / baseline, kernel.GetProperty("ratioToTensorPrimitives").GetDouble(), 9);
            }
        }
    }

    [Fact]
    public void Bench_prints_a_table_with_ratios()
    {
        (int exitCode, string output, string error) = CortexCommand.Run("bench", "--dimensions", "32", "--rounds", "1");
        Assert.True(exitCode == 0, error);
        Assert.Contains("TensorPrimitives", output);
        Assert.Matches(@"CosineBatch x256 .* 32 .*\d+(\.\d+)? (ns|µs) \(\d+\.\d\dx\)", output);
        Assert.Contains("below 1 is faster", output);
    }

    [Fact]
    public void Demo_shows_info_and_the_comparison()
    {
        // The API documentation demo, on a few members in a store of its own; --dimensions and --rounds bring the comparison.
        using var store = new TemporaryDirectory();
        (int exitCode, string output, string error) = DemoCommandTests.Demo("--store", store.Path, "--limit", "20", "--json", "--dimensions", "24", "--rounds", "1");
        Assert.True(exitCode == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.StartsWith("native avx", json.RootElement.GetProperty("info").GetProperty("defaultKernel").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("bench").GetProperty("rows").GetArrayLength());
        Assert.All(json.RootElement.GetProperty("bench").GetProperty("rows").EnumerateArray(), r => Assert.Equal(24, r.GetProperty("dimension").GetInt32()));
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, "Unrecognized command or argument 'frobnicate'")]
    [InlineData(new string[0], "choose a command")]
    [InlineData(new[] { "bench", "--dimensions", "0" }, "--dimensions takes one or more whole numbers from 1 to 65536, space- or comma-separated; '0' is not one.")]
    [InlineData(new[] { "bench", "--rounds", "lots" }, "--rounds takes a whole number from 1 to 100; 'lots' is not one.")]
    [InlineData(new[] { "bench", "--dimensions", "128,x" }, "'x' is not one.")]
    [InlineData(new[] { "bench", "--rounds", "0" }, "--rounds takes a whole number from 1 to 100; '0' is not one.")]
    [InlineData(new[] { "info", "--verbose" }, "--verbose")]
    public void Bad_command_lines_exit_2_with_a_message(string[] arguments, string message)
    {
        (int exitCode, string output, string error) = CortexCommand.Run(arguments);
        Assert.Equal(2, exitCode);
        Assert.Contains(message, error);
        Assert.Contains("--help", error);
        Assert.Equal(string.Empty, output.Trim());

        // One line: the problem and where the help is, on the same line.
        string line = Assert.Single(error.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^cortex: .+ \(cortex( \w+)? --help for usage\)$", line);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("info", "--help")]
    [InlineData("bench", "--help")]
    [InlineData("demo", "-h")]
    public void Help_is_everywhere(params string[] arguments)
    {
        (int exitCode, string output, _) = CortexCommand.Run(arguments);
        Assert.Equal(0, exitCode);
        Assert.Contains("Usage:", output);
        Assert.Contains("--help", output);
    }
}
