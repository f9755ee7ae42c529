using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CortexHybrid.IntegrationTests.Cli;

/// <summary>
/// <c>cortex load --mcp</c> against a real <c>cortex serve</c> (a child process on a small store
/// filled by <c>cortex import</c>), its one-line failures, and <c>cortex import</c> itself.
/// </summary>
public class McpLoadCommandTests(McpLoadCommandTests.ServedMemory served) : IClassFixture<McpLoadCommandTests.ServedMemory>
{
    private const string Token = "load-test-token-0123456789";

    private static readonly string[] Kinds = ["recall.cached", "recall.uncached", "memory_status"];

    private static readonly string[] Notes =
    [
        "Alice prefers PostgreSQL over SQLite for anything shared between services.",
        "The billing service times out when the cache is cold; the fix was to warm it at start-up.",
        "We decided to retire the nightly backup job once snapshots are in place.",
        "Bruno's daughter Maya has a birthday on March 3 and loves dark chocolate.",
        "The staging API gateway listens on port 8443 and only accepts TLS 1.3.",
        "Ticket PAY-1234: the payment gateway double-charges some users after the upgrade to version 4.2.",
        "Chen owns the Grafana dashboards for the search index.",
        "Release notes are written in Markdown and reviewed by Dana on Fridays.",
    ];

    [Fact]
    public void Load_mcp_json_counts_every_kind_of_call_with_no_errors_and_checks_the_targets()
    {
        (int exitCode, string output, string error) = CortexCommand.Run(
            "load", "--mcp", served.Url, "--clients", "2", "--duration", "3s", "--uncached-rate", "4/s", "--json");

        Assert.True(exitCode == 0, error);
        Assert.Equal(string.Empty, error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.Equal("mcp", root.GetProperty("mode").GetString());
        Assert.Equal(served.Url, root.GetProperty("endpoint").GetString());
        Assert.Equal(2, root.GetProperty("mix").GetProperty("clients").GetInt32());
        Assert.Equal(4, root.GetProperty("mix").GetProperty("uncachedPerSecond").GetDouble());
        Assert.False(root.GetProperty("interrupted").GetBoolean());
        double elapsed = root.GetProperty("elapsedSeconds").GetDouble();
        Assert.True(elapsed is >= 2.9 and < 30, $"elapsed {elapsed} s for --duration 3s");

        JsonElement[] calls = [.. root.GetProperty("calls").EnumerateArray()];
        Assert.Equal(Kinds, calls.Select(c => c.GetProperty("kind").GetString()));
        foreach (JsonElement kind in calls)
        {
            Assert.True(kind.GetProperty("calls").GetInt64() > 0, $"no {kind.GetProperty("kind")} calls");
            Assert.Equal(0, kind.GetProperty("errors").GetInt64());
            Assert.True(kind.GetProperty("p95Milliseconds").GetDouble() > 0);
        }

        long cached = calls[0].GetProperty("calls").GetInt64();
        long uncached = calls[1].GetProperty("calls").GetInt64();
        long status = calls[2].GetProperty("calls").GetInt64();
        Assert.Equal(0, root.GetProperty("errors").GetInt64());
        Assert.Equal(cached + uncached + status, root.GetProperty("completed").GetInt64());

        // Paced at 4/s (the first at once): about 13 in 3 s, whatever the cached calls do.
        Assert.InRange(uncached, 8, 4 * elapsed + 2);

        // The mix: every 4th call of a client (uncached ones aside) is memory_status.
        Assert.InRange(status, (cached / 3) - 2, (cached / 3) + 2);

        // What the server saw: the fresh texts ran the model, the repeated ones came from its cache.
        JsonElement server = root.GetProperty("server");
        Assert.Equal(Notes.Length, server.GetProperty("memories").GetInt64());
        Assert.Equal(uncached, server.GetProperty("recallsComputed").GetInt64());
        Assert.Equal(cached, server.GetProperty("recallsCached").GetInt64());
        Assert.True(server.GetProperty("peakWorkingSetBytes").GetInt64() > 50L * 1024 * 1024);
        Assert.Contains(server.GetProperty("tools").EnumerateArray(), t => t.GetProperty("name").GetString() == "recall.uncached");
        Assert.Equal(Notes.Length, root.GetProperty("serverStatus").GetProperty("memories").GetInt64());

        JsonElement[] targets = [.. root.GetProperty("targets").EnumerateArray()];
        Assert.Equal(
            ["cached recall p95", "uncached recall p95 at 4/s", "memory_status p95", "tool calls per second", $"server peak working set ({Notes.Length} memories)"],
            targets.Select(t => t.GetProperty("name").GetString()));
        Assert.Equal([50.0, 200.0, 10.0, 1000.0, 512.0], targets.Select(t => t.GetProperty("threshold").GetDouble()));
        Assert.Equal(["<", "<", "<", ">", "<"], targets.Select(t => t.GetProperty("comparison").GetString()));
        Assert.Equal(calls[0].GetProperty("p95Milliseconds").GetDouble(), targets[0].GetProperty("value").GetDouble());
        Assert.Equal(root.GetProperty("callsPerSecond").GetDouble(), targets[3].GetProperty("value").GetDouble());
        Assert.Equal(server.GetProperty("peakWorkingSetBytes").GetInt64() / (1024.0 * 1024.0), targets[4].GetProperty("value").GetDouble(), 6);
        foreach (JsonElement target in targets)
        {
            double value = target.GetProperty("value").GetDouble();
            double threshold = target.GetProperty("threshold").GetDouble();
            bool met = target.GetProperty("comparison").GetString() == "<" ? value < threshold : value > threshold;
            Assert.Equal(met, target.GetProperty("met").GetBoolean());
        }
    }

    [Fact]
    public void Load_mcp_text_prints_the_calls_the_server_figures_and_the_targets()
    {
        (int exitCode, string output, string error) = CortexCommand.Run("load", "--mcp", served.Url, "--clients", "2", "--duration", "2s");

        Assert.True(exitCode == 0, error);
        Assert.Contains($"2 MCP clients for 00:00:02 against {served.Url} ({Notes.Length} memories); Ctrl-C stops early.", error);
        Assert.Matches(@"(?m)^Mix: each client sends 3 recalls of 64 cached query texts to 1 memory_status call, and 5 recalls/s of new query texts", output);
        foreach (string kind in Kinds)
        {
            Assert.Matches($@"(?m)^  {Regex.Escape(kind)} +[\d,]+ +0 +[\d.,]+ +[\d.]+ +[\d.]+ ", output);
        }

        Assert.Matches($@"(?m)^Server \(memory_status after the run\): {Notes.Length} memories, peak working set \d+\.\d MiB", output);
        foreach (string name in (string[])["cached recall p95", "uncached recall p95 at 5/s", "memory_status p95", "tool calls per second", "server peak working set"])
        {
            Assert.Matches($@"(?m)^  (PASS|MISS) {Regex.Escape(name)}", output);
        }
    }

    [Theory]
    [InlineData("INT", "Ctrl-C")]
    [InlineData("TERM", "SIGTERM")]
    public async Task Load_mcp_stops_on_a_signal_and_still_reports(string signal, string stoppedBy)
    {
        // The longest --duration there is: only the signal ends this run.
        using Interruptible load = Interruptible.Start(null, "load", "--mcp", served.Url, "--clients", "2", "--duration", "24h");
        Assert.True(await load.WaitForErrorLineAsync("Ctrl-C stops early", TimeSpan.FromSeconds(60)), $"the run did not start: {load.Error}");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await load.SignalAsync(signal);
        (int exitCode, string output, string error) = await load.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exitCode == 0, $"exit code {exitCode} after SIG{signal}; stderr: {error}; stdout: {output}");
        Match run = Regex.Match(output, $@"(?m)^MCP load run: 2 clients against \S+ for (\d+\.\d) s, stopped by {stoppedBy}\.$");
        Assert.True(run.Success, $"no 'MCP load run: ..., stopped by {stoppedBy}.' line in: {output}");
        Assert.True(double.Parse(run.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) < 20);
        Assert.Matches(@"(?m)^  (PASS|MISS) cached recall p95", output);
        Assert.DoesNotContain("cortex: ", error);
    }

    [Fact]
    public void Load_mcp_without_a_server_is_one_line_and_exit_1()
    {
        string url = $"http://127.0.0.1:{FreePort()}/mcp";
        (int exitCode, string output, string error) = CortexCommand.Run("load", "--mcp", url, "--duration", "2s");

        Assert.Equal(1, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"cortex: cannot reach {url}: Connection refused", error.TrimEnd());
    }

    [Fact]
    public void Load_mcp_against_the_wrong_path_is_one_line_and_exit_1()
    {
        string url = served.Url.Replace("/mcp", "/nothing", StringComparison.Ordinal);
        (int exitCode, _, string error) = CortexCommand.Run("load", "--mcp", url, "--duration", "2s");

        Assert.Equal(1, exitCode);
        Assert.Equal($"cortex: {url} answered 404 NotFound: is it the MCP endpoint of a cortex serve (http://host:port/mcp)?", error.TrimEnd());
    }

    [Fact]
    public void Load_mcp_without_or_with_a_wrong_token_is_one_line_and_exit_1()
    {
        (int exitCode, _, string error) = CortexCommand.Run(NoToken, "load", "--mcp", served.GuardedUrl, "--duration", "2s");
        Assert.Equal(1, exitCode);
        Assert.Equal($"cortex: {served.GuardedUrl} wants an access token (401 Unauthorized): give it with --token or $CORTEX_TOKEN.", error.TrimEnd());

        (exitCode, _, error) = CortexCommand.Run(NoToken, "load", "--mcp", served.GuardedUrl, "--token", "not-the-token-at-all", "--duration", "2s");
        Assert.Equal(1, exitCode);
        Assert.Equal($"cortex: {served.GuardedUrl} refused the access token (401 Unauthorized).", error.TrimEnd());

        (exitCode, string output, error) = CortexCommand.Run(
            new Dictionary<string, string?> { ["CORTEX_TOKEN"] = Token }, "load", "--mcp", served.GuardedUrl, "--clients", "1", "--duration", "1s", "--json");
        Assert.True(exitCode == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(0, json.RootElement.GetProperty("errors").GetInt64());
    }

    [Theory]
    [InlineData(new[] { "load", "--clients", "2" }, "cortex: --clients is for the MCP load test: give --mcp URL too.")]
    [InlineData(new[] { "load", "--uncached-rate", "2" }, "cortex: --uncached-rate is for the MCP load test: give --mcp URL too.")]
    [InlineData(new[] { "load", "--mcp", "http://127.0.0.1:9/mcp", "--corpus", "x.npy" }, "cortex: --corpus is for the in-process load test; with --mcp the server's own settings apply.")]
    [InlineData(new[] { "load", "--mcp", "127.0.0.1:7411" }, "cortex: --mcp takes the http:// or https:// URL of a cortex serve's MCP endpoint, such as http://127.0.0.1:7411/mcp; '127.0.0.1:7411' is not one.")]
    [InlineData(new[] { "load", "--mcp", "http://127.0.0.1:9/mcp", "--uncached-rate", "fast" }, "cortex: --uncached-rate takes a rate from 0 to 1000 per second, such as 5, 5/s or 0.5/s; 'fast' is not one.")]
    [InlineData(new[] { "import", "--store", "x" }, "cortex: cortex import takes a FILE or --generate N (one of them).")]
    public void Bad_command_lines_exit_2_with_one_line(string[] arguments, string message)
    {
        (int exitCode, _, string error) = CortexCommand.Run(arguments);

        Assert.Equal(2, exitCode);
        Assert.StartsWith(message, error);
        Assert.Single(error.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Import_counts_added_and_already_present_texts()
    {
        using var directory = new TemporaryDirectory();
        string file = Path.Combine(directory.Path, "notes.txt");
        string store = Path.Combine(directory.Path, "store");
        File.WriteAllLines(file, ["  first note about the billing service  ", "", "second note about the search index", "first note about the billing service", "   "]);

        (int exitCode, string output, string error) = CortexCommand.Run("import", "--store", store, file);
        Assert.True(exitCode == 0, error);
        Assert.Matches($@"^Imported {Regex.Escape(file)} into {Regex.Escape(store)}: 2 added, 1 already present, in \d+\.\d s \([\d,]+ texts/s\); the store holds 2 memories\.\r?\n$", output);
        Assert.Contains("embedding and storing 2 / 2 (100%", error);

        (exitCode, output, error) = CortexCommand.Run("import", "--store", store, file);
        Assert.True(exitCode == 0, error);
        Assert.Matches(@": 0 added, 3 already present, in \d+\.\d s; the store holds 2 memories\.", output);

        // Paragraphs: lines up to a blank line, joined.
        File.WriteAllLines(file, ["a paragraph", "over two lines", "", "", "another one"]);
        (exitCode, output, error) = CortexCommand.Run("import", "--store", store, "--paragraphs", "--tag", "notes", file);
        Assert.True(exitCode == 0, error);
        Assert.Contains(": 2 added, 0 already present, ", output);
        Assert.Contains("the store holds 4 memories.", output);
    }

    [Fact]
    public void Import_generates_the_same_distinct_notes_for_a_seed()
    {
        using var directory = new TemporaryDirectory();
        string store = Path.Combine(directory.Path, "store");
        (int exitCode, string output, string error) = CortexCommand.Run("import", "--store", store, "--generate", "40", "--seed", "3");
        Assert.True(exitCode == 0, error);
        Assert.Contains("Imported 40 generated notes (seed 3) into ", output);
        Assert.Contains(": 40 added, 0 already present, ", output);

        (exitCode, output, error) = CortexCommand.Run("import", "--store", store, "--generate", "50", "--seed", "3");
        Assert.True(exitCode == 0, error);
        Assert.Contains(": 10 added, 40 already present, ", output);
        Assert.Contains("the store holds 50 memories.", output);
    }

    [Theory]
    [InlineData("INT", "Ctrl-C")]
    [InlineData("TERM", "SIGTERM")]
    public async Task Import_stops_on_a_signal_keeps_what_it_stored_and_reports(string signal, string stoppedBy)
    {
        // 20,000 notes take about a minute here; the signal comes once the progress line on
        // standard error shows the storing under way (it is written after each few batches).
        using var directory = new TemporaryDirectory();
        string store = Path.Combine(directory.Path, "store");
        using Interruptible import = Interruptible.Start(DemoCommandTests.Environment, "import", "--store", store, "--generate", "20000");
        Assert.True(
            await import.WaitForErrorLineAsync("cortex: embedding and storing ", TimeSpan.FromSeconds(120)),
            $"no 'embedding and storing' progress on stderr: {import.Error}");
        await import.SignalAsync(signal);
        (int exitCode, string output, string error) = await import.WaitForExitAsync(TimeSpan.FromSeconds(30));

        // Exit 0 and the report, as for a finished import, with what is left for the next run.
        Assert.True(exitCode == 0, $"exit code {exitCode} after SIG{signal}; stderr: {error}; stdout: {output}");
        Assert.DoesNotContain("unexpected", error);
        Assert.DoesNotContain("cortex: stopped", error);
        Match report = Regex.Match(
            output,
            $@"(?m)^Imported 20,000 generated notes \(seed \d+\) into {Regex.Escape(store)}: ([\d,]+) added, 0 already present, in \d+\.\d s( \([\d,]+ texts/s\))?, stopped by {stoppedBy} with ([\d,]+) not yet added; the store holds ([\d,]+) memor(y|ies)\. Run the import again to add the rest\.\r?$");
        Assert.True(report.Success, $"no 'Imported ..., stopped by {stoppedBy} ...' line in: {output}");
        long added = Number(report.Groups[1].Value);
        long notYet = Number(report.Groups[3].Value);
        Assert.Equal(20_000, added + notYet);
        Assert.True(notYet > 0, $"the import finished before SIG{signal}: {output}");
        Assert.Equal(added, Number(report.Groups[4].Value));

        // Cleaned up: the store was closed, and it opens again with what was stored.
        Assert.False(File.Exists(Path.Combine(store, "memory.owner")), $"memory.owner left behind after SIG{signal}: the store was not closed");
        (exitCode, output, error) = CortexCommand.Run(DemoCommandTests.Environment, "import", "--store", store, "--generate", "1");
        Assert.True(exitCode == 0, error);
        Match again = Regex.Match(output, @": ([01]) added, [01] already present, .*; the store holds ([\d,]+) memor(y|ies)\.");
        Assert.True(again.Success, output);
        Assert.Equal(added + Number(again.Groups[1].Value), Number(again.Groups[2].Value));
    }

    [Fact]
    public void Import_of_a_missing_file_or_a_directory_is_one_line_and_exit_1()
    {
        using var directory = new TemporaryDirectory();
        string store = Path.Combine(directory.Path, "store");
        string missing = Path.Combine(directory.Path, "missing.txt");

        (int exitCode, string output, string error) = CortexCommand.Run("import", "--store", store, missing);
        Assert.Equal(1, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"cortex: {missing} does not exist.", error.TrimEnd());

        (exitCode, _, error) = CortexCommand.Run("import", "--store", store, directory.Path);
        Assert.Equal(1, exitCode);
        Assert.Equal($"cortex: {directory.Path} is a directory, not a text file.", error.TrimEnd());

        string empty = Path.Combine(directory.Path, "empty.txt");
        File.WriteAllLines(empty, ["", "  "]);
        (exitCode, _, error) = CortexCommand.Run("import", "--store", store, empty);
        Assert.Equal(1, exitCode);
        Assert.Equal($"cortex: {empty} holds no text: every line is empty.", error.TrimEnd());
    }

    [Fact]
    public void Import_of_a_line_over_the_limit_names_the_line_and_stores_nothing()
    {
        using var directory = new TemporaryDirectory();
        string store = Path.Combine(directory.Path, "store");
        string file = Path.Combine(directory.Path, "long.txt");
        File.WriteAllLines(file, ["a fine note", "", new string('x', 40_000)]);

        (int exitCode, _, string error) = CortexCommand.Run("import", "--store", store, file);
        Assert.Equal(1, exitCode);
        Assert.Matches($@"(?m)^cortex: {Regex.Escape(file)}: line 3 is 40,000 bytes of UTF-8; the limit is [\d,]+\. Nothing was imported\.$", error);

        (exitCode, string output, error) = CortexCommand.Run("import", "--store", store, "--generate", "1");
        Assert.True(exitCode == 0, error);
        Assert.Contains("the store holds 1 memory.", output);
    }

    private static long Number(string text) => long.Parse(text, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture);

    private static Dictionary<string, string?> NoToken => new() { ["CORTEX_TOKEN"] = null };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Two <c>cortex serve</c> children for the class, each on a store of its own filled by
    /// <c>cortex import</c>: one open on loopback, one that wants <see cref="Token"/>.
    /// </summary>
    public sealed class ServedMemory : IDisposable
    {
        private readonly TemporaryDirectory _directory = new();
        private readonly Process _open;
        private readonly Process _guarded;

        public ServedMemory()
        {
            string file = Path.Combine(_directory.Path, "notes.txt");
            File.WriteAllLines(file, Notes);
            foreach (string store in (string[])["open", "guarded"])
            {
                (int exitCode, _, string error) = CortexCommand.Run("import", "--store", Path.Combine(_directory.Path, store), file);
                Assert.True(exitCode == 0, error);
            }

            (_open, Url) = Serve(Path.Combine(_directory.Path, "open"), token: null);
            (_guarded, GuardedUrl) = Serve(Path.Combine(_directory.Path, "guarded"), Token);
        }

        /// <summary>The open server's MCP endpoint.</summary>
        public string Url { get; }

        /// <summary>The MCP endpoint of the server that wants <see cref="Token"/>.</summary>
        public string GuardedUrl { get; }

        public void Dispose()
        {
            foreach (Process server in (Process[])[_open, _guarded])
            {
                if (!server.HasExited)
                {
                    server.Kill(entireProcessTree: true);
                    server.WaitForExit(10_000);
                }

                server.Dispose();
            }

            _directory.Dispose();
        }

        private static (Process Server, string Url) Serve(string store, string? token)
        {
            var start = new ProcessStartInfo(ChildProcess.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in (string[])[CortexCommand.Path, "serve", "--urls", "http://127.0.0.1:0", "--store", store, "--log-level", "Warning"])
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment.Remove("CORTEX_TOKEN");
            if (token is not null)
            {
                start.Environment["CORTEX_TOKEN"] = token;
            }

            Process server = Process.Start(start)!;
            var url = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
            server.ErrorDataReceived += (_, line) =>
            {
                if (line.Data is null)
                {
                    url.TrySetException(new InvalidOperationException($"cortex serve ended: {string.Join('\n', lines)}"));
                    return;
                }

                lines.Enqueue(line.Data);
                if (Regex.Match(line.Data, @"MCP at (http://127\.0\.0\.1:\d+/mcp)") is { Success: true } match)
                {
                    url.TrySetResult(match.Groups[1].Value);
                }
            };
            server.OutputDataReceived += (_, _) => { };
            server.BeginErrorReadLine();
            server.BeginOutputReadLine();
            if (!url.Task.Wait(TimeSpan.FromSeconds(120)))
            {
                server.Kill(entireProcessTree: true);
                throw new TimeoutException($"cortex serve did not start in 120 s: {string.Join('\n', lines)}");
            }

            return (server, url.Task.Result);
        }
    }
}
