using System.Text.Json;
using System.Text.RegularExpressions;

namespace CortexHybrid.IntegrationTests.Cli;

/// <summary>
/// <c>cortex demo</c> end to end on the real text corpus (the SDK's API documentation) with the
/// real model: a first run ingests, a second reuses the store, a larger limit ingests only what is
/// missing, the questions recall the expected members; the vector path and the usage errors.
/// </summary>
public class DemoCommandTests
{
    /// <summary>Enough of the subset for the questions' types (the featured types lead it), a few seconds to embed.</summary>
    private const int Limit = 400;

    /// <summary>
    /// The child's data folder (<c>XDG_DATA_HOME</c>): the model is extracted there once for every
    /// run, and no test run touches the user's own data, the default demo store included.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> Environment { get; } = new Dictionary<string, string?>
    {
        ["XDG_DATA_HOME"] = Path.Combine(Path.GetTempPath(), "cortex-tests-data"),
    };

    /// <summary>Runs <c>cortex demo</c> with the test environment, three minutes at most.</summary>
    public static (int ExitCode, string Output, string Error) Demo(params string[] arguments) =>
        ChildProcess.Run(ChildProcess.DotnetHost, [CortexCommand.Path, "demo", .. arguments], Environment, timeout: TimeSpan.FromMinutes(3));

    [Fact]
    public void First_run_ingests_second_reuses_and_the_questions_find_the_expected_members()
    {
        using var store = new TemporaryDirectory();

        (int exitCode, string output, string error) = Demo("--store", store.Path, "--limit", $"{Limit}", "--json");

        Assert.True(exitCode == 0, error);
        using (JsonDocument json = JsonDocument.Parse(output))
        {
            JsonElement root = json.RootElement;
            Assert.Equal(Limit, root.GetProperty("corpus").GetProperty("subset").GetInt32());
            Assert.StartsWith("net", root.GetProperty("corpus").GetProperty("targetFramework").GetString());
            Assert.Equal(store.Path, root.GetProperty("store").GetString());
            JsonElement ingestion = root.GetProperty("ingestion");
            Assert.False(ingestion.GetProperty("reused").GetBoolean());
            Assert.Equal(0, ingestion.GetProperty("stored").GetInt64());
            Assert.Equal(Limit, ingestion.GetProperty("ingested").GetInt32());
            Assert.True(ingestion.GetProperty("perSecond").GetDouble() > 0);
            Assert.Equal(Limit, root.GetProperty("status").GetProperty("memories").GetInt64());
            CheckAnswers(root);
        }

        // The second run finds the subset in the store: nothing embedded, the same answers.
        (exitCode, string again, error) = Demo("--store", store.Path, "--limit", $"{Limit}", "--json");

        Assert.True(exitCode == 0, error);
        using (JsonDocument first = JsonDocument.Parse(output), second = JsonDocument.Parse(again))
        {
            JsonElement ingestion = second.RootElement.GetProperty("ingestion");
            Assert.True(ingestion.GetProperty("reused").GetBoolean());
            Assert.Equal(Limit, ingestion.GetProperty("stored").GetInt64());
            Assert.Equal(0, ingestion.GetProperty("ingested").GetInt32());
            Assert.Equal(HitIds(first.RootElement), HitIds(second.RootElement));
        }

        // A larger limit embeds only the members the store lacks.
        (exitCode, output, error) = Demo("--store", store.Path, "--limit", $"{Limit + 25}", "--json");

        Assert.True(exitCode == 0, error);
        using (JsonDocument json = JsonDocument.Parse(output))
        {
            JsonElement ingestion = json.RootElement.GetProperty("ingestion");
            Assert.False(ingestion.GetProperty("reused").GetBoolean());
            Assert.Equal(Limit, ingestion.GetProperty("stored").GetInt64());
            Assert.Equal(25, ingestion.GetProperty("missing").GetInt32());
            Assert.Equal(25, ingestion.GetProperty("ingested").GetInt32());
            Assert.Equal(Limit + 25, json.RootElement.GetProperty("status").GetProperty("memories").GetInt64());
        }
    }

    [Fact]
    public void Text_output_has_the_questions_their_hits_and_the_status_report()
    {
        using var store = new TemporaryDirectory();
        Assert.True(Demo("--store", store.Path, "--limit", $"{Limit}", "--json").ExitCode == 0);

        (int exitCode, string output, string error) = Demo("--store", store.Path, "--limit", $"{Limit}");

        Assert.True(exitCode == 0, error);
        Assert.Contains("default kernel   ", output);
        Assert.Matches(@"(?m)^corpus +\.NET \S+ reference documentation \(net\d+\.\d+, \d+ files\) in ", output);
        Assert.Contains($"reusing {Limit} memories from {store.Path} (nothing to embed)", output);
        Assert.Contains($"Questions (top 5 of {Limit} by cosine similarity", output);
        Assert.Matches(@"(?m)^  ""read every line of a text file"" +computed in \d+\.\d ms, cached in \d+\.\d{3} ms$", output);
        Assert.Equal(8 * 5, Regex.Matches(output, @"(?m)^    \d\.\d{3}  \S.* — \S").Count);
        Assert.Matches(@"(?m)^    \d\.\d{3}  File\.Read(All)?Lines\(String\) — ", output);
        Assert.Contains("Memory status (memory_status):", output);
        Assert.Matches($@"(?m)^  memories +{Limit} in ", output);
        Assert.Matches(@"(?m)^  recall\.uncached +8 ", output);
        Assert.Matches(@"(?m)^  recall\.cached +8 ", output);
        Assert.Matches(@"(?m)^    cached recall p95 +< 50 ms +\d", output);
        Assert.DoesNotContain("TensorPrimitives", output);
    }

    [Fact]
    public void A_vector_corpus_still_runs_the_pipeline()
    {
        using var directory = new TemporaryDirectory();
        string corpus = Path.Combine(directory.Path, "c.fvecs");
        VectorFiles.WriteFvecs(corpus, VectorFiles.Random(300, 16, seed: 5));

        (int exitCode, string output, string error) = Demo("--corpus", corpus, "--requests", "50", "--concurrency", "2", "--rounds", "1", "--dimensions", "16", "--json");

        Assert.True(exitCode == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.StartsWith($"{corpus}, 300 x 16", json.RootElement.GetProperty("corpus").GetString());
        Assert.Equal(50, json.RootElement.GetProperty("workload").GetProperty("completed").GetInt64());
        Assert.Equal(3, json.RootElement.GetProperty("results").GetArrayLength());
    }

    [Theory]
    [InlineData("INT", "Ctrl-C")]
    [InlineData("TERM", "SIGTERM")]
    public async Task A_signal_while_remembering_stops_the_ingestion_and_still_answers_and_reports(string signal, string stoppedBy)
    {
        // The whole subset into an empty store takes tens of seconds; the signal comes once the
        // progress on standard error shows the remembering under way (the model loads first).
        using var directory = new TemporaryDirectory();
        string store = Path.Combine(directory.Path, "store");
        string temporary = Path.Combine(directory.Path, "tmp");
        Directory.CreateDirectory(temporary);
        using Interruptible demo = Interruptible.Start(
            new Dictionary<string, string?>(Environment) { ["TMPDIR"] = temporary },
            "demo", "--store", store);
        Assert.True(
            await demo.WaitForErrorLineAsync("API members: ", TimeSpan.FromSeconds(120)),
            $"no 'remembering ... API members' progress on stderr: {demo.Error}");
        await demo.SignalAsync(signal);
        (int exitCode, string output, string error) = await demo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        // The ingestion stops; the questions, the status report and exit 0 follow on what was stored.
        Assert.True(exitCode == 0, $"exit code {exitCode} after SIG{signal}; stderr: {error}; stdout: {output}");
        Assert.DoesNotContain("unexpected", error);
        Assert.DoesNotContain("cortex: ", error);
        Match memories = Regex.Match(output, $@"(?m)^memories +ingested ([\d,]+) of ([\d,]+) in \d+\.\d s \([\d,]+/s\), stopped by {stoppedBy}; the next run goes on from there");
        Assert.True(memories.Success, $"no 'memories ... stopped by {stoppedBy}' line in: {output}");
        long ingested = long.Parse(memories.Groups[1].Value, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture);
        long missing = long.Parse(memories.Groups[2].Value, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(ingested < missing, $"the ingestion finished before SIG{signal}: {output}");
        Assert.Matches(@"(?m)^Questions \(top 5 of [\d,]+ by cosine similarity", output);
        Assert.Contains("(Sixteen recalls are no load test", output);

        // Cleaned up: the store closed, the warm-up's scratch store removed.
        Assert.False(File.Exists(Path.Combine(store, "memory.owner")), $"memory.owner left behind after SIG{signal}: the store was not closed");
        Assert.Empty(Directory.EnumerateDirectories(temporary, "cortex-demo-warm-up-*"));
    }

    [Theory]
    [InlineData(new[] { "--corpus", "c.fvecs", "--synthetic" }, "cortex: --corpus and --synthetic both choose the vectors: give one.")]
    [InlineData(new[] { "--synthetic", "--limit", "5" }, "cortex: --limit applies to the API documentation demo (without --corpus or --synthetic) only.")]
    [InlineData(new[] { "--corpus", "c.fvecs", "--store", "s" }, "cortex: --store applies to the API documentation demo (without --corpus or --synthetic) only.")]
    [InlineData(new[] { "--requests", "5" }, "cortex: --requests applies to the vector pipeline (--corpus or --synthetic) only.")]
    [InlineData(new[] { "--limit", "0" }, "cortex: --limit takes a whole number from 1 to 7000; '0' is not one.")]
    public void Options_of_the_other_demo_are_usage_errors(string[] arguments, string message)
    {
        (int exitCode, string output, string error) = Demo(arguments);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, error);
        Assert.Equal(string.Empty, output.Trim());
        Assert.Single(error.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Every question answered, best first, with the member it is about near the top.</summary>
    private static void CheckAnswers(JsonElement root)
    {
        (string Question, string[] Expected)[] expected =
        [
            ("read every line of a text file", ["File.ReadAllLines(", "File.ReadLines("]),
            ("wait for several tasks to finish", ["Task.WhenAll(", "Task.WaitAll("]),
            ("convert a string to an integer", ["Int32.Parse(String", "Int32.TryParse(String", "Convert.ToInt32(String"]),
            ("serialize an object to JSON", ["JsonSerializer.Serialize"]),
            ("send an HTTP GET request", ["HttpClient.GetAsync(", "HttpClient.Send", "HttpClient.GetStringAsync("]),
            ("sort a list", ["List<T>.Sort("]),
            ("compute a SHA-256 hash", ["SHA256.HashData(", "SHA256"]),
        ];
        Dictionary<string, JsonElement> answers = root.GetProperty("questions").EnumerateArray().ToDictionary(q => q.GetProperty("question").GetString()!);
        Assert.Equal(8, answers.Count);
        Assert.Contains("cancel a long running operation", answers.Keys);
        foreach (JsonElement answer in answers.Values)
        {
            JsonElement[] hits = [.. answer.GetProperty("hits").EnumerateArray()];
            Assert.Equal(5, hits.Length);
            double[] scores = [.. hits.Select(h => h.GetProperty("score").GetDouble())];
            Assert.Equal(scores.OrderDescending(), scores);
            Assert.All(scores, s => Assert.InRange(s, -1.0001, 1.0001));
            Assert.All(hits, h => Assert.StartsWith("System.", h.GetProperty("name").GetString()));
            Assert.All(hits, h => Assert.Matches("^[TM]:System\\.", h.GetProperty("member").GetString()));
            Assert.True(answer.GetProperty("uncachedMilliseconds").GetDouble() > 0);
            Assert.True(answer.GetProperty("cachedMilliseconds").GetDouble() > 0);
        }

        foreach ((string question, string[] members) in expected)
        {
            string[] names = [.. answers[question].GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("text").GetString()!)];
            Assert.True(names.Any(n => members.Any(m => n.StartsWith(m, StringComparison.Ordinal))), $"'{question}': none of {string.Join(", ", members)} in the top 5: {string.Join(" | ", names)}");
        }
    }

    private static long[][] HitIds(JsonElement root) =>
        [.. root.GetProperty("questions").EnumerateArray().Select(q => q.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("id").GetInt64()).ToArray())];
}
