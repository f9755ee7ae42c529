using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace CortexHybrid.IntegrationTests.Server;

/// <summary>The store behind <c>cortex mcp</c>: private files, one process at a time, failures in one line, and memories that outlive the server.</summary>
public class StoreTests
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task The_store_is_private_locked_while_in_use_and_reopens_with_its_memories()
    {
        using var directory = new TemporaryDirectory();
        string store = Path.Combine(directory.Path, "not", "yet", "there");
        const string Text = "The boiler service is booked for the second Tuesday of November.";
        long id;
        string refusedError;
        var firstError = new ConcurrentQueue<string>();
        await using (MemoryToolClient first = await MemoryToolClient.StartStdioAsync(store, firstError.Enqueue))
        {
            JsonElement remembered = await first.CallAsync("remember", new Dictionary<string, object?> { ["text"] = Text, ["tags"] = new[] { "home" } });
            id = remembered.GetProperty("id").GetInt64();

            // Created readable by its owner only: the directory 0700, every file in it 0600 (where there are Unix modes).
            string database = Path.Combine(store, "memory.db");
            Assert.True(File.Exists(database), $"no memory.db in {store}: {string.Join(", ", Directory.GetFiles(store).Select(Path.GetFileName))}");
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(store));
                foreach (string file in Directory.GetFiles(store))
                {
                    Assert.True(File.GetUnixFileMode(file) == OwnerOnlyFile, $"{Path.GetFileName(file)} is {File.GetUnixFileMode(file)}");
                }
            }

            // A second server on the same directory: refused at once, in one line, before it speaks MCP.
            await using (CortexProcess second = CortexProcess.Start(["mcp", "--store", store]))
            {
                int exitCode = await second.WaitForExitAsync(CortexProcess.StartTimeout);
                Assert.True(exitCode == 1, $"the second server exited with {exitCode}; stderr:\n{second.Error}");
                Assert.Equal("", second.Output);
                string line = Assert.Single(second.ErrorLines, l => l.StartsWith("cortex:", StringComparison.Ordinal));
                Assert.Contains("locked", line, StringComparison.Ordinal);
                refusedError = second.Error;
            }

            // The first is undisturbed.
            JsonElement[] hits = MemoryScenario.Hits(await first.CallAsync("recall", new Dictionary<string, object?> { ["query"] = "when is the heating maintenance?", ["k"] = 1 }));
            Assert.Equal(id, Assert.Single(hits).GetProperty("id").GetInt64());
            string owner = Path.Combine(store, "memory.owner");
            Assert.True(File.Exists(owner) && int.TryParse(File.ReadAllText(owner), NumberStyles.Integer, CultureInfo.InvariantCulture, out _), "memory.owner does not name the running server");
        }

        // Closing the client stopped the server cleanly: it let the store go.
        Assert.False(File.Exists(Path.Combine(store, "memory.owner")), $"memory.owner left behind after stdin EOF; stderr:\n{string.Join('\n', firstError)}");

        await using (MemoryToolClient again = await MemoryToolClient.StartStdioAsync(store))
        {
            JsonElement[] hits = MemoryScenario.Hits(await again.CallAsync("recall", new Dictionary<string, object?> { ["query"] = "when is the heating maintenance?", ["k"] = 1 }));
            JsonElement hit = Assert.Single(hits);
            Assert.Equal(id, hit.GetProperty("id").GetInt64());
            Assert.Equal(Text, hit.GetProperty("text").GetString());
            Assert.Equal(["home"], hit.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
            JsonElement listed = await again.CallAsync("list_memories");
            Assert.Equal(1, listed.GetProperty("total").GetInt64());
            JsonElement repeated = await again.CallAsync("remember", new Dictionary<string, object?> { ["text"] = Text });
            Assert.Equal(id, repeated.GetProperty("id").GetInt64());
            Assert.False(repeated.GetProperty("added").GetBoolean());
            Assert.Equal(1, (await again.StatusAsync()).GetProperty("memories").GetInt64());
        }

        // The refusal was one line: no stack trace beside it (that is what --verbose is for).
        AssertNoStackTrace(refusedError);
    }

    [Fact]
    public async Task A_store_path_under_a_regular_file_fails_with_one_line()
    {
        using var directory = new TemporaryDirectory();
        string file = Path.Combine(directory.Path, "notes.txt");
        File.WriteAllText(file, "not a directory");
        string store = Path.Combine(file, "store");
        await using CortexProcess server = CortexProcess.Start(["mcp", "--store", store]);
        int exitCode = await server.WaitForExitAsync(CortexProcess.StartTimeout);
        Assert.True(exitCode == 1, $"exit code {exitCode}; stderr:\n{server.Error}");
        Assert.Equal("", server.Output);
        string line = Assert.Single(server.ErrorLines, l => l.StartsWith("cortex:", StringComparison.Ordinal));
        Assert.Contains(store, line, StringComparison.Ordinal);
        Assert.Equal("not a directory", File.ReadAllText(file));
        AssertNoStackTrace(server.Error);
    }

    [Fact]
    public async Task An_int8_index_over_the_same_store_recalls_the_same_memories_with_the_same_scores()
    {
        using var directory = new TemporaryDirectory();
        string store = Path.Combine(directory.Path, "store");
        string[] texts =
        [
            "The boiler service is booked for the second Tuesday of November.",
            "Our staging database is restored from the nightly snapshot every Monday.",
            "The office wifi password rotates on the first day of each quarter.",
            "Alice owns the billing service; page her for invoice failures.",
            "The dentist appointment moved to Thursday at half past three.",
            "Release notes are drafted in the wiki before every tag is pushed.",
        ];
        string[] queries = ["when is the heating maintenance?", "who do I call when invoices fail", "how is staging refreshed"];
        var exact = new List<(long Id, double Score)[]>();
        await using (MemoryToolClient float32 = await MemoryToolClient.StartStdioAsync(store))
        {
            foreach (string text in texts)
            {
                await float32.CallAsync("remember", new Dictionary<string, object?> { ["text"] = text });
            }

            foreach (string query in queries)
            {
                exact.Add(IdsAndScores(await float32.CallAsync("recall", new Dictionary<string, object?> { ["query"] = query, ["k"] = 3 })));
            }
        }

        // The store kept float32 vectors: the int8 index is rebuilt from them, and rescoring gives the
        // float32 scores back. The sign prefilter at k x 64 keeps all six memories, so it changes nothing.
        await using MemoryToolClient int8 = await MemoryToolClient.StartStdioAsync(store, null, "--index-storage", "int8", "--index-prefilter", "64");
        for (int i = 0; i < queries.Length; i++)
        {
            (long Id, double Score)[] hits = IdsAndScores(await int8.CallAsync("recall", new Dictionary<string, object?> { ["query"] = queries[i], ["k"] = 3 }));
            Assert.Equal(exact[i].Select(h => h.Id), hits.Select(h => h.Id));
            Assert.All(exact[i].Zip(hits), p => Assert.Equal(p.First.Score, p.Second.Score, 1e-6));
        }

        JsonElement index = (await int8.CallAsync("memory_status", new Dictionary<string, object?>())).GetProperty("index");
        Assert.Equal("Int8", index.GetProperty("storage").GetString());
        Assert.True(index.GetProperty("exactScores").GetBoolean());
        Assert.Equal(texts.Length, index.GetProperty("rows").GetInt64());
        Assert.Equal(64, index.GetProperty("signPrefilter").GetInt32());
    }

    [Theory]
    [InlineData("int4")]
    [InlineData("")]
    [InlineData("float64")]
    public async Task A_bad_index_storage_fails_with_one_line_and_exit_code_2(string value)
    {
        using var directory = new TemporaryDirectory();
        await using CortexProcess server = CortexProcess.Start(["mcp", "--store", directory.Path, "--index-storage", value]);
        int exitCode = await server.WaitForExitAsync(CortexProcess.StartTimeout);
        Assert.True(exitCode == 2, $"exit code {exitCode}; stderr:\n{server.Error}");
        Assert.Equal("", server.Output);
        string line = Assert.Single(server.ErrorLines, l => l.Length > 0);
        Assert.Equal($"cortex: --index-storage takes float32, bfloat16 (or bf16) or int8; '{value}' is not one. (cortex mcp --help for usage)", line);
        AssertNoStackTrace(server.Error);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("10001")]
    [InlineData("many")]
    public async Task A_bad_index_prefilter_fails_with_one_line_and_exit_code_2(string value)
    {
        using var directory = new TemporaryDirectory();
        await using CortexProcess server = CortexProcess.Start(["mcp", "--store", directory.Path, "--index-prefilter", value]);
        int exitCode = await server.WaitForExitAsync(CortexProcess.StartTimeout);
        Assert.True(exitCode == 2, $"exit code {exitCode}; stderr:\n{server.Error}");
        Assert.Equal("", server.Output);
        string line = Assert.Single(server.ErrorLines, l => l.Length > 0);
        Assert.Equal($"cortex: --index-prefilter takes a whole number from 0 to 10000; '{value}' is not one. (cortex mcp --help for usage)", line);
        AssertNoStackTrace(server.Error);
    }

    private static (long Id, double Score)[] IdsAndScores(JsonElement recall) =>
        [.. MemoryScenario.Hits(recall).Select(h => (h.GetProperty("id").GetInt64(), h.GetProperty("score").GetDouble()))];

    private static void AssertNoStackTrace(string error) =>
        Assert.False(error.Contains(" at CortexHybrid.", StringComparison.Ordinal) || error.Contains(" at System.", StringComparison.Ordinal),
            $"a failure to open the store printed a stack trace without --verbose:\n{error}");
}
