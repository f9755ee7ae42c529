using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CortexHybrid.Tests.Caching;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Xunit.Abstractions;

namespace CortexHybrid.IntegrationTests.Server;

/// <summary>
/// Three <c>cortex serve --postgres … --redis …</c> instances on one PostgreSQL cluster and one
/// redis-server, all on loopback: writes on one are seen by the others, and Redis going away,
/// PostgreSQL restarting and an instance killed neither fail calls nor leave stale reads.
/// </summary>
public sealed class ClusterTests(ITestOutputHelper output)
{
    /// <summary>How long a change may take to reach another instance before a read counts as stale.</summary>
    private static readonly TimeSpan PropagationBound = TimeSpan.FromSeconds(10);

    /// <summary>The issue's bound for a memory remembered on one instance to be recallable on another (p99); counted, printed, not asserted.</summary>
    private static readonly TimeSpan TargetBound = TimeSpan.FromMilliseconds(250);

    private long _calls;
    private long _failures;
    private long _stale;
    /// <summary>The phase whose change is read by the feeds' catch-up after PostgreSQL was away: bounded by their reconnect delay, not by the target.</summary>
    private const string CatchUpPhase = "postgres restart";

    /// <summary>Every propagation outside <see cref="CatchUpPhase"/>: what the 250 ms target is about.</summary>
    private readonly List<double> _propagationMs = [];
    private readonly Dictionary<string, double> _slowestByPhase = [];
    private readonly Dictionary<string, int> _lateByPhase = [];
    private readonly Dictionary<string, double> _slowestCallByPhase = [];
    private string _phase = "start";

    /// <summary>Guards the figures: the instances are polled at once.</summary>
    private readonly Lock _sync = new();
    private readonly List<string> _failureMessages = [];

    [Fact]
    public async Task Three_instances_share_one_store_and_ride_through_outages()
    {
        await using var postgres = new PostgresServer();
        await postgres.StartAsync();
        // Redis asks a password too, so the check at the end covers both servers' secrets.
        await using var redis = new RedisServer(password: "redis-" + Guid.NewGuid().ToString("N"));
        await redis.StartAsync();
        string redisEndpoint = $"127.0.0.1:{redis.Port.ToString(CultureInfo.InvariantCulture)},password={redis.Password}";
        var environment = new Dictionary<string, string?> { ["CORTEX_POSTGRES"] = postgres.ConnectionString };

        // Started one after another: the first creates the schema; three model loads at once on 2 cores is slow anyway.
        // A and B take PostgreSQL from CORTEX_POSTGRES, C from --postgres.
        await using CortexProcess a = await CortexProcess.StartServingAsync(["--redis", redisEndpoint], environment);
        await using CortexProcess b = await CortexProcess.StartServingAsync(["--redis", redisEndpoint], environment);
        await using CortexProcess c = await CortexProcess.StartServingAsync(["--postgres", postgres.ConnectionString, "--redis", redisEndpoint]);
        await using MemoryToolClient clientA = await MemoryToolClient.ConnectHttpAsync(a.Endpoint!);
        await using MemoryToolClient clientB = await MemoryToolClient.ConnectHttpAsync(b.Endpoint!);
        await using MemoryToolClient clientC = await MemoryToolClient.ConnectHttpAsync(c.Endpoint!);
        var all = new[] { ("A", clientA), ("B", clientB), ("C", clientC) };

        // Remember on A, recall on B and C. B and C first answer (and cache) the query without it.
        const string Query = "when is the boiler serviced?";
        await RecallIdsAsync(clientB, Query);
        await RecallIdsAsync(clientC, Query);
        _phase = "remember on A";
        long boiler = await RememberAsync(clientA, "The boiler service is booked for the second Tuesday of November.");
        await AwaitAsync([("B", clientB), ("C", clientC)], Query, boiler, present: true);

        // A query embedded on A is not embedded again on B: the embedding comes from Redis.
        _phase = "shared embeddings";
        const string Fresh = "which day is the heating engineer coming?";
        await RecallIdsAsync(clientA, Fresh);
        JsonElement before = (await Call(clientB, "memory_status")).GetProperty("cache");
        await RecallIdsAsync(clientB, Fresh);
        JsonElement after = (await Call(clientB, "memory_status")).GetProperty("cache");
        Assert.Equal(before.GetProperty("queryEmbeddingsComputed").GetInt64(), after.GetProperty("queryEmbeddingsComputed").GetInt64());
        Assert.Equal(before.GetProperty("queryEmbeddingsReused").GetInt64() + 1, after.GetProperty("queryEmbeddingsReused").GetInt64());

        // Forget on C: gone from A's and B's results (both had it cached).
        await RecallIdsAsync(clientA, Query);
        _phase = "forget";
        await ForgetAsync(clientC, boiler);
        await AwaitAsync([("A", clientA), ("B", clientB), ("C", clientC)], Query, boiler, present: false);

        // The tag removed on B (forget_tagged): its memories gone from A's and C's tag-filtered
        // recalls (both had them cached) and from A's count of the tag; an untagged one stays.
        _phase = "tag removal";
        string[] garden = ["garden"];
        const string Hose = "where is the garden hose?";
        long hose = await RememberAsync(clientA, "The garden hose hangs on the hook behind the shed door.", garden);
        long shears = await RememberAsync(clientC, "The garden shears are in the shed drawer.", garden);
        await AwaitAsync(all, Hose, hose, present: true, garden);
        await AwaitAsync(all, Hose, shears, present: true, garden);
        Assert.Equal(2, (await Call(clientA, "list_memories", new Dictionary<string, object?> { ["tag"] = "garden" })).GetProperty("total").GetInt64());
        JsonElement removed = await Call(clientB, "forget_tagged", new Dictionary<string, object?> { ["tag"] = "garden" });
        Assert.Equal([hose, shears], removed.GetProperty("ids").EnumerateArray().Select(i => i.GetInt64()).Order());
        await AwaitAsync([("A", clientA), ("C", clientC), ("B", clientB)], Hose, hose, present: false, garden);
        await AwaitAsync([("A", clientA), ("C", clientC), ("B", clientB)], Hose, shears, present: false, garden);
        Assert.Equal(0, (await Call(clientA, "list_memories", new Dictionary<string, object?> { ["tag"] = "garden" })).GetProperty("total").GetInt64());

        // Redis killed mid-run and restarted: calls go on throughout (new query texts reach Redis for their embeddings).
        _phase = "redis outage";
        long ferry = await RememberAsync(clientB, "The ferry to the island leaves at seven from pier four.");
        await AwaitAsync(all, "what time does the ferry leave?", ferry, present: true);
        await redis.StopAsync();
        for (int i = 0; i < 6; i++)
        {
            foreach ((_, MemoryToolClient client) in all)
            {
                await RecallIdsAsync(client, $"ferry departure question number {i.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        long dentist = await RememberAsync(clientC, "The dentist appointment moved to Friday at three.");
        await AwaitAsync(all, "when is the dentist?", dentist, present: true);
        await redis.StartAsync();
        long keys = await RememberAsync(clientA, "The spare house keys are in the blue jar in the shed.");
        await AwaitAsync(all, "where are the spare keys?", keys, present: true);
        await ForgetAsync(clientB, ferry);
        await AwaitAsync(all, "what time does the ferry leave?", ferry, present: false);

        // PostgreSQL stopped and started again: the instances reconnect and catch up. B and C have
        // logged their feeds' loss (event 5101) before it is back, so the memory A remembers as soon
        // as it can is committed while their feeds wait to reconnect (100 ms doubling): they read it
        // by sequence number on reconnecting (event 5102), as they would anything committed meanwhile.
        _phase = CatchUpPhase;
        await postgres.StopAsync();
        foreach (CortexProcess instance in (CortexProcess[])[b, c])
        {
            await instance.WaitForErrorLineAsync("change feed of the PostgreSQL store", CortexProcess.StartTimeout);
        }

        await postgres.StartAsync();
        long passport = await RememberAsync(clientA, "The passports expire in March; renew them in January.");
        await AwaitAsync(all, "when do the passports expire?", passport, present: true);
        _phase = "after the postgres restart";
        long bins = await RememberAsync(clientB, "Recycling bins go out on Wednesday evenings.");
        await AwaitAsync(all, "which evening do the bins go out?", bins, present: true);
        foreach (CortexProcess instance in (CortexProcess[])[b, c])
        {
            Assert.Contains(instance.ErrorLines, l => l.Contains("has no connection", StringComparison.Ordinal));
            Assert.Contains(instance.ErrorLines, l => l.Contains("is connected again", StringComparison.Ordinal));
        }

        // One instance killed: the other two are unaffected.
        _phase = "instance killed";
        await c.KillAsync();
        long plants = await RememberAsync(clientA, "Water the tomato plants every other morning.");
        await AwaitAsync([("A", clientA), ("B", clientB)], "how often to water the tomatoes?", plants, present: true);
        await ForgetAsync(clientB, dentist);
        await AwaitAsync([("A", clientA), ("B", clientB)], "when is the dentist?", dentist, present: false);

        // No password in anything an instance wrote or reports.
        JsonElement status = await Call(clientA, "memory_status");
        using var http = new HttpClient();
        string health = await http.GetStringAsync(new Uri(a.Endpoint!, "/health"));
        Assert.Contains("PostgreSQL", status.GetRawText(), StringComparison.Ordinal);
        foreach (string text in (string[])[a.Error, b.Error, c.Error, a.Output, b.Output, c.Output, status.GetRawText(), health])
        {
            Assert.DoesNotContain(postgres.TestPassword, text, StringComparison.Ordinal);
            Assert.DoesNotContain(redis.Password!, text, StringComparison.Ordinal);
        }

        _propagationMs.Sort();
        output.WriteLine(
            $"cluster: {_calls} calls, {_failures} failures, {_stale} stale reads (a change not seen within {PropagationBound.TotalSeconds:0} s); "
            + $"propagation to another instance over {_propagationMs.Count} observations (all but the catch-up after the PostgreSQL restart): median {Percentile(0.5):0} ms, p99 {Percentile(0.99):0} ms, max {Percentile(1):0} ms; "
            + $"{_lateByPhase.Values.Sum()} seen later than the {TargetBound.TotalMilliseconds:0} ms target"
            + (_lateByPhase.Count == 0 ? string.Empty : $" ({string.Join(", ", _lateByPhase.Select(p => $"{p.Value} in {p.Key}"))})"));
        foreach ((string phase, double slowest) in _slowestByPhase)
        {
            output.WriteLine($"slowest propagation, {phase}: {slowest:0} ms; slowest call: {_slowestCallByPhase.GetValueOrDefault(phase):0} ms");
        }

        foreach (string failure in _failureMessages)
        {
            output.WriteLine("failure: " + failure);
        }

        Assert.Equal(0, _failures);
        Assert.Equal(0, _stale);
    }

    [Fact]
    public async Task Conflicting_or_unreachable_servers_fail_the_start_in_one_line_without_the_password()
    {
        const string Password = "Sup3r-Secret-Pa55word";
        int closed = FreePort();
        string connection = $"Host=127.0.0.1;Port={closed.ToString(CultureInfo.InvariantCulture)};Database=cortex;Username=cortex;Password={Password};Timeout=3";
        using var directory = new TemporaryDirectory();

        (string[] Arguments, Dictionary<string, string?>? Environment, int Code, string Says)[] cases =
        [
            (["--postgres", connection, "--store", directory.Path], null, 2, "--postgres and --store"),
            (["--redis", $"127.0.0.1:{closed.ToString(CultureInfo.InvariantCulture)},password={Password}", "--store", directory.Path], null, 1, "cannot reach Redis"),
            ([], new() { ["CORTEX_POSTGRES"] = connection }, 1, "PostgreSQL"),
        ];
        foreach ((string[] arguments, Dictionary<string, string?>? environment, int code, string says) in cases)
        {
            await using CortexProcess server = CortexProcess.Start(["serve", "--urls", "http://127.0.0.1:0", .. arguments], environment);
            int exit = await server.WaitForExitAsync(CortexProcess.StartTimeout);
            output.WriteLine($"exit {exit}: {server.Error}");
            Assert.True(exit == code, $"cortex serve {string.Join(' ', arguments)} exited with {exit}, not {code}; stderr:\n{server.Error}");
            string line = Assert.Single(server.ErrorLines, l => l.StartsWith("cortex:", StringComparison.Ordinal));
            Assert.Contains(says, line, StringComparison.Ordinal);
            Assert.DoesNotContain(Password, server.Error, StringComparison.Ordinal);
            Assert.DoesNotContain(Password, server.Output, StringComparison.Ordinal);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private double Percentile(double p) => _propagationMs.Count == 0 ? 0 : _propagationMs[(int)Math.Min(_propagationMs.Count - 1, Math.Ceiling(p * _propagationMs.Count) - 1 < 0 ? 0 : Math.Ceiling(p * _propagationMs.Count) - 1)];

    /// <summary>
    /// Polls every instance at once until <paramref name="id"/> is (or is no longer) among the
    /// query's hits, each timed from the change's return (the moment this is called); past the
    /// bound, a stale read.
    /// </summary>
    private async Task AwaitAsync(IEnumerable<(string Name, MemoryToolClient Client)> instances, string query, long id, bool present, string[]? tags = null)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(instances.Select(async instance =>
        {
            while (true)
            {
                long[] ids = await RecallIdsAsync(instance.Client, query, tags);
                double elapsed = clock.Elapsed.TotalMilliseconds;
                if (ids.Contains(id) == present)
                {
                    lock (_sync)
                    {
                        _slowestByPhase[_phase] = Math.Max(_slowestByPhase.GetValueOrDefault(_phase), elapsed);
                        if (_phase != CatchUpPhase)
                        {
                            _propagationMs.Add(elapsed);
                        }

                        if (elapsed > TargetBound.TotalMilliseconds)
                        {
                            _lateByPhase[_phase] = _lateByPhase.GetValueOrDefault(_phase) + 1;
                        }
                    }

                    return;
                }

                if (clock.Elapsed > PropagationBound)
                {
                    lock (_sync)
                    {
                        _stale++;
                        _failureMessages.Add($"{instance.Name} still {(present ? "lacks" : "has")} memory {id} for '{query}' after {PropagationBound.TotalSeconds:0} s");
                    }

                    return;
                }

                await Task.Delay(20);
            }
        }));
    }

    private async Task<long[]> RecallIdsAsync(MemoryToolClient client, string query, string[]? tags = null)
    {
        var arguments = new Dictionary<string, object?> { ["query"] = query, ["k"] = 5 };
        if (tags is not null)
        {
            arguments["tags"] = tags;
        }

        JsonElement result = await Call(client, "recall", arguments);
        return result.ValueKind == JsonValueKind.Undefined ? [] : [.. MemoryScenario.Hits(result).Select(h => h.GetProperty("id").GetInt64())];
    }

    private async Task<long> RememberAsync(MemoryToolClient client, string text, string[]? tags = null)
    {
        var arguments = new Dictionary<string, object?> { ["text"] = text };
        if (tags is not null)
        {
            arguments["tags"] = tags;
        }

        JsonElement result = await Call(client, "remember", arguments);
        Assert.True(result.ValueKind != JsonValueKind.Undefined, $"remember failed: {string.Join("; ", _failureMessages)}");
        return result.GetProperty("id").GetInt64();
    }

    private async Task ForgetAsync(MemoryToolClient client, long id) =>
        await Call(client, "forget", new Dictionary<string, object?> { ["id"] = id });

    /// <summary>A counted tool call: an error result or an exception is a failure (recorded, not thrown), with an undefined result.</summary>
    private async Task<JsonElement> Call(MemoryToolClient client, string tool, Dictionary<string, object?>? arguments = null)
    {
        Interlocked.Increment(ref _calls);
        var clock = Stopwatch.StartNew();
        string? failure;
        JsonElement reply = default;
        try
        {
            CallToolResult result = await client.Client.CallToolAsync(tool, arguments ?? []);
            failure = result.IsError == true || result.StructuredContent is null
                ? $"{tool}: {string.Join(" ", result.Content.OfType<TextContentBlock>().Select(t => t.Text))}"
                : null;
            reply = failure is null ? result.StructuredContent!.Value.Clone() : default;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            failure = $"{tool}: {exception.GetType().Name}: {exception.Message}";
        }

        lock (_sync)
        {
            _slowestCallByPhase[_phase] = Math.Max(_slowestCallByPhase.GetValueOrDefault(_phase), clock.Elapsed.TotalMilliseconds);
            if (failure is not null)
            {
                _failures++;
                _failureMessages.Add(failure);
            }
        }

        return reply;
    }
}
