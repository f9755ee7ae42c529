using System.Text.Json;

namespace CortexHybrid.IntegrationTests.Cli;

/// <summary>
/// Every numeric and duration option of every command: a bad value is exactly one <c>cortex:</c>
/// line naming the option, what it takes and the value, with the usage hint for the command on the
/// same line, and exit code 2, never a crash; the values at the ends of each range are accepted and used.
/// </summary>
public class NumericOptionTests
{
    /// <summary>The arguments before the option under test: the command, and whatever it requires (files need not exist; parsing fails first).</summary>
    private static readonly Dictionary<string, string[]> Commands = new()
    {
        ["search"] = ["search", "--corpus", "c.fvecs", "--query-file", "q.fvecs"],
        ["load"] = ["load"],
        ["demo"] = ["demo"],
        ["bench"] = ["bench"],
        ["serve"] = ["serve"],
        ["import"] = ["import"],
        ["load --mcp"] = ["load", "--mcp", "http://127.0.0.1:9/mcp"],
    };

    /// <summary>What each option says it takes.</summary>
    private static readonly Dictionary<string, string> Takes = new()
    {
        ["--k"] = "a whole number from 1 to 10000",
        ["--concurrency"] = "a whole number from 1 to 1024",
        ["--requests"] = "a whole number from 1 to 1000000",
        ["--rounds"] = "a whole number from 1 to 100",
        ["--dimensions"] = "one or more whole numbers from 1 to 65536, space- or comma-separated",
        ["--duration"] = "a length of time above 0 and up to 24h, such as 30s, 2m, 1500ms or 00:01:30",
        ["--limit"] = "a whole number from 1 to 7000",
        ["--max-request-bytes"] = "a whole number from 1024 to 67108864",
        ["--generate"] = "a whole number from 1 to 10000000",
        ["--seed"] = "a whole number from 0 to 2147483647",
        ["--clients"] = "a whole number from 1 to 256",
        ["--uncached-rate"] = "a rate from 0 to 1000 per second, such as 5, 5/s or 0.5/s",
    };

    /// <summary>Command, option, the value given, and the value the message quotes (the bad item of a list).</summary>
    public static TheoryData<string, string, string, string> BadValues()
    {
        var data = new TheoryData<string, string, string, string>();
        (string Command, string Option, int Minimum, int Maximum)[] wholeNumbers =
        [
            ("search", "--k", 1, 10_000),
            ("load", "--concurrency", 1, 1024),
            ("load --mcp", "--clients", 1, 256),
            ("demo", "--requests", 1, 1_000_000),
            ("demo", "--concurrency", 1, 1024),
            ("demo", "--rounds", 1, 100),
            ("demo", "--limit", 1, 7000),
            ("bench", "--rounds", 1, 100),
            ("serve", "--max-request-bytes", 1024, 64 * 1024 * 1024),
            ("import", "--generate", 1, 10_000_000),
            ("import", "--seed", 0, int.MaxValue),
        ];
        foreach ((string command, string option, int minimum, int maximum) in wholeNumbers)
        {
            // Below the range (0 and -1 where they are, the number just under it), above it (the
            // number just over it, past int for --seed), and what is no whole number at all.
            string[] below = minimum > 0 ? ["0", "-1", $"{minimum - 1L}"] : [$"{minimum - 1L}"];
            string[] values = ["abc", "99999999999", "-99999999999", .. below, $"{maximum + 1L}", "-5", "", " ", "1.5", "1e3", "12abc", "0x10", "1,000"];
            foreach (string value in values.Distinct())
            {
                data.Add(command, option, value, value);
            }
        }

        foreach (string command in (string[])["demo", "bench"])
        {
            (string Value, string Quoted)[] values =
            [
                ("abc", "abc"), ("99999999999", "99999999999"), ("0", "0"), ("65537", "65537"), ("-1", "-1"),
                ("", ""), (",", ","), ("16,x", "x"), ("16,,0", "0"), ("1.5", "1.5"),
            ];
            foreach ((string value, string quoted) in values)
            {
                data.Add(command, "--dimensions", value, quoted);
            }
        }

        string[] durations = ["abc", "30x", "-5s", "0s", "0", "0ms", "", "25h", "24h1s", "1441m", "86400.001s", "1e300s", "-1e300s", "NaNs", "Infinitys", "99999999999", "s", "-00:00:05", "2:00:00:00"];
        foreach (string value in durations)
        {
            data.Add("load", "--duration", value, value);
        }

        // What --uncached-rate reads: a number from 0 to 1000, alone or with "/s".
        string[] rates = ["fast", "-1/s", "-1", "5/x", "5/m", "5/h", "/s", "5//s", "s", "1001", "1000.5/s", "1e300/s", "NaN", "Infinity/s", "", " ", "0x10", "1,5", "5 per second"];
        foreach (string value in rates)
        {
            data.Add("load --mcp", "--uncached-rate", value, value);
        }

        // A value with a line break is quoted escaped: the message stays one line.
        data.Add("search", "--k", "1\n2", "1\\u000a2");
        data.Add("load --mcp", "--uncached-rate", "1\n2/s", "1\\u000a2/s");
        return data;
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_value_is_one_line_naming_the_option_and_exit_2(string command, string option, string value, string quoted)
    {
        (int exitCode, string output, string error) = CortexCommand.Run([.. Commands[command], option, value]);

        Assert.True(exitCode == 2, $"exit code {exitCode}; stderr: {error}");
        Assert.DoesNotContain("Unhandled exception", error);
        Assert.DoesNotContain("   at ", error);
        Assert.Equal(
            [$"cortex: {option} takes {Takes[option]}; '{quoted}' is not one. {Hint(command)}"],
            ErrorLines(error));
        Assert.Equal(string.Empty, output);
    }

    [Theory]
    [InlineData("search", new[] { "--k=abc" }, "--k", "'abc' is not one.")]
    [InlineData("search", new[] { "--k:-1" }, "--k", "'-1' is not one.")]
    [InlineData("search", new[] { "--k=" }, "--k", "no value was given.")]
    [InlineData("search", new[] { "--k" }, "--k", "no value was given.")]
    [InlineData("search", new[] { "--k", "--json" }, "--k", "no value was given.")]
    [InlineData("load", new[] { "--duration" }, "--duration", "no value was given.")]
    [InlineData("load", new[] { "--duration=", "--json" }, "--duration", "no value was given.")]
    [InlineData("demo", new[] { "--requests" }, "--requests", "no value was given.")]
    [InlineData("bench", new[] { "--dimensions" }, "--dimensions", "no value was given.")]
    [InlineData("bench", new[] { "--dimensions=", "--json" }, "--dimensions", "no value was given.")]
    [InlineData("bench", new[] { "--dimensions=16,x" }, "--dimensions", "'x' is not one.")]
    [InlineData("serve", new[] { "--max-request-bytes" }, "--max-request-bytes", "no value was given.")]
    [InlineData("import", new[] { "--generate" }, "--generate", "no value was given.")]
    [InlineData("import", new[] { "--generate", "10", "--seed=" }, "--seed", "no value was given.")]
    [InlineData("load --mcp", new[] { "--clients", "--json" }, "--clients", "no value was given.")]
    [InlineData("load --mcp", new[] { "--uncached-rate" }, "--uncached-rate", "no value was given.")]
    [InlineData("demo", new[] { "--limit=abc" }, "--limit", "'abc' is not one.")]
    public void Joined_and_missing_values_are_told_the_same_way(string command, string[] arguments, string option, string problem)
    {
        (int exitCode, string output, string error) = CortexCommand.Run([.. Commands[command], .. arguments]);

        Assert.True(exitCode == 2, $"exit code {exitCode}; stderr: {error}");
        Assert.Equal([$"cortex: {option} takes {Takes[option]}; {problem} {Hint(command)}"], ErrorLines(error));
        Assert.Equal(string.Empty, output);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("10000")]
    [InlineData("+7")]
    public void Search_accepts_k_at_the_ends_of_its_range(string k)
    {
        using var directory = new TemporaryDirectory();
        string corpus = Path.Combine(directory.Path, "c.fvecs");
        string queries = Path.Combine(directory.Path, "q.fvecs");
        VectorFiles.WriteFvecs(corpus, VectorFiles.Random(50, 8, seed: 1));
        VectorFiles.WriteFvecs(queries, VectorFiles.Random(2, 8, seed: 2));

        (int exitCode, string output, string error) = CortexCommand.Run("search", "--corpus", corpus, "--query-file", queries, "--k", k, "--json");

        Assert.True(exitCode == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        int expected = int.Parse(k, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(expected, json.RootElement.GetProperty("k").GetInt32());
        Assert.All(
            json.RootElement.GetProperty("queries").EnumerateArray(),
            q => Assert.Equal(Math.Min(expected, 50), q.GetProperty("hits").GetArrayLength()));
    }

    [Fact]
    public void Bench_accepts_the_smallest_and_largest_dimensions()
    {
        (int exitCode, string output, string error) = CortexCommand.Run("bench", "--json", "--rounds", "1", "--dimensions", "1,65536");

        Assert.True(exitCode == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(1, json.RootElement.GetProperty("rounds").GetInt32());
        Assert.Equal([1, 65536], json.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("dimension").GetInt32()).Distinct());
    }

    /// <summary>Command, option and a value at an end of its range (or a form the option has always read).</summary>
    public static TheoryData<string, string, string> RangeEnds() => new()
    {
        { "search", "--k", "1" }, { "search", "--k", "10000" },
        { "load", "--concurrency", "1" }, { "load", "--concurrency", "1024" },
        { "load", "--duration", "0.0001ms" }, { "load", "--duration", "24h" }, { "load", "--duration", "1440m" },
        { "load", "--duration", "86400s" }, { "load", "--duration", "1.00:00:00" }, { "load", "--duration", "23:59:59" },
        { "demo", "--requests", "1" }, { "demo", "--requests", "1000000" }, { "demo", "--concurrency", "1" }, { "demo", "--concurrency", "1024" },
        { "demo", "--rounds", "1" }, { "demo", "--rounds", "100" }, { "demo", "--dimensions", "1" }, { "demo", "--dimensions", "65536" },
        { "bench", "--rounds", "1" }, { "bench", "--rounds", "100" }, { "bench", "--dimensions", "1" }, { "bench", "--dimensions", "1,65536" },
    };

    /// <summary>
    /// The value passes the parser: the command gets past parsing and fails on something else it
    /// was given, a missing corpus (exit 1), or, for bench, which has no file to read, a bad value
    /// of its other option (exit 2, that option the only one named). Running these to the end
    /// would take minutes (100 rounds, a million requests, 24 hours); the runs above use the values.
    /// </summary>
    [Theory]
    [MemberData(nameof(RangeEnds))]
    public void A_value_at_an_end_of_the_range_passes_the_parser(string command, string option, string value)
    {
        using var directory = new TemporaryDirectory();
        string missing = Path.Combine(directory.Path, "missing.fvecs");
        string[] arguments = command switch
        {
            "search" => ["search", "--corpus", missing, "--query-file", missing],
            "bench" => ["bench", option == "--rounds" ? "--dimensions" : "--rounds", "0"],
            _ => [command, "--corpus", missing],
        };

        (int exitCode, string output, string error) = CortexCommand.Run([.. arguments, option, value]);

        Assert.DoesNotContain($"{option} takes", error);
        if (command == "bench")
        {
            Assert.True(exitCode == 2, $"exit code {exitCode}; stderr: {error}");
            Assert.StartsWith($"cortex: {arguments[1]} takes ", Assert.Single(ErrorLines(error), l => l.StartsWith("cortex: ", StringComparison.Ordinal)));
        }
        else
        {
            Assert.True(exitCode == 1, $"exit code {exitCode}; stderr: {error}");
            Assert.Equal($"cortex: the corpus file '{missing}' does not exist.", ErrorLines(error)[^1]);
            Assert.Equal(string.Empty, output);
        }
    }

    [Theory]
    [InlineData("1", "1")]
    [InlineData("1", "1024")]
    [InlineData("5", "3")]
    public void Demo_accepts_requests_and_concurrency_at_the_ends_of_their_ranges(string requests, string concurrency)
    {
        using var directory = new TemporaryDirectory();
        string corpus = Path.Combine(directory.Path, "c.fvecs");
        VectorFiles.WriteFvecs(corpus, VectorFiles.Random(200, 8, seed: 3));

        (int exitCode, string output, string error) = CortexCommand.Run(
            "demo", "--corpus", corpus, "--requests", requests, "--concurrency", concurrency, "--rounds", "1", "--dimensions", "1");

        Assert.True(exitCode == 0, error);
        Assert.Matches($@"(?m)^workload +{requests} searches by {concurrency} clients in ", output);
    }

    [Theory]
    [InlineData("1", "1ms", "00:00:00.0010000")]
    [InlineData("1024", "1ms", "00:00:00.0010000")]
    [InlineData("2", "0.5ms", "00:00:00.0005000")]
    [InlineData("2", "1.5S", "00:00:01.5000000")]
    [InlineData("2", "0:00:01", "00:00:01")]
    [InlineData("2", " 1s ", "00:00:01")]
    public void Load_accepts_concurrency_and_durations_as_before(string concurrency, string duration, string shown)
    {
        using var directory = new TemporaryDirectory();
        string corpus = Path.Combine(directory.Path, "c.fvecs");
        VectorFiles.WriteFvecs(corpus, VectorFiles.Random(200, 8, seed: 4));

        (int exitCode, string output, string error) = CortexCommand.Run("load", "--corpus", corpus, "--concurrency", concurrency, "--duration", duration);

        Assert.True(exitCode == 0, error);
        Assert.Contains($"cortex load: {concurrency} clients for {shown} on ", error);
        Assert.Matches(@"(?m)^Load run: [\d,]+ requests ", output);
    }

    /// <summary>The end of the error line: where the help of the command is.</summary>
    private static string Hint(string command) => $"(cortex {Commands[command][0]} --help for usage)";

    /// <summary>Standard error's lines, without the final line break.</summary>
    private static string[] ErrorLines(string error) => error.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
}
