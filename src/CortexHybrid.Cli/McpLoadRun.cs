using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CortexHybrid.Cli;

/// <summary>
/// <c>cortex load --mcp</c>: concurrent MCP clients (the official C# SDK's, one Streamable HTTP
/// connection each) driving a running <c>cortex serve</c> with a mix of cached recalls,
/// <c>memory_status</c> calls and a paced stream of uncached recalls, each call timed on the client.
/// </summary>
/// <remarks>
/// Before the run each client connects and the fixed set of cached query texts is recalled once,
/// so the server caches their responses. During the run every client loops: when an uncached
/// recall is due (the stream runs at <see cref="McpLoadMix.UncachedPerSecond"/> across all
/// clients) it sends a question never sent before, so the server embeds it; otherwise every
/// <see cref="McpLoadMix.StatusEvery"/>-th call is <c>memory_status</c> and the rest recall a cached
/// text. When the time is up (or a signal comes) calls in flight finish, a last
/// <c>memory_status</c> reads the server's own figures, and the clients disconnect.
/// </remarks>
internal sealed class McpLoadRun
{
    /// <summary>The seed of the cached query texts: the same texts every run, so a second run finds them cached too.</summary>
    private const int CachedSeed = 7;

    /// <summary>How long calls in flight may take to finish once the run is over, before they are cancelled and counted as failed.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    /// <summary>How long connecting (and the first calls) may take.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    private readonly Lock _freshLock = new();
    private SentenceGenerator? _fresh;
    private long _ticket;
    private long _uncachedIssued;

    public required Uri Endpoint { get; init; }

    public required McpLoadMix Mix { get; init; }

    public required TimeSpan Duration { get; init; }

    /// <summary>The bearer token the server wants; null for none.</summary>
    public string? Token { get; init; }

    /// <summary>Told once the clients are connected and the cache is warm, with the memories the server holds.</summary>
    public Action<long>? Started { get; init; }

    public async Task<McpLoadResult> RunAsync(CancellationToken interrupt)
    {
        // A different stream of fresh questions each run, each naming a ticket number of its own
        // from a random start: a question an earlier run sent could still be cached.
        _fresh = new SentenceGenerator(Random.Shared.Next());
        _ticket = Random.Shared.NextInt64(100_000, 1_000_000_000);
        string[] cached = CachedTexts(Mix.CachedQueries);

        var clients = new McpClient?[Mix.Clients];
        try
        {
            using var connecting = CancellationTokenSource.CreateLinkedTokenSource(interrupt);
            connecting.CancelAfter(ConnectTimeout);
            try
            {
                await Task.WhenAll(Enumerable.Range(0, clients.Length).Select(async c => clients[c] = await ConnectAsync(c, connecting.Token)));
                JsonElement before = await StatusAsync(clients[0]!, connecting.Token);

                // Each cached text once, spread over the clients, so the run finds every one cached.
                await Task.WhenAll(Enumerable.Range(0, clients.Length).Select(async c =>
                {
                    for (int q = c; q < cached.Length; q += clients.Length)
                    {
                        CallToolResult result = await clients[c]!.CallToolAsync("recall", RecallArguments(cached[q]), cancellationToken: connecting.Token);
                        if (result.IsError == true)
                        {
                            throw new CliFailure($"{Endpoint} refused a recall: {ErrorText(result)}");
                        }
                    }
                }));
                before = await StatusAsync(clients[0]!, connecting.Token);
                Started?.Invoke(before.GetProperty("memories").GetInt64());
                return await MeasureAsync(clients!, cached, before, interrupt);
            }
            catch (Exception exception) when (interrupt.IsCancellationRequested && exception is OperationCanceledException)
            {
                // A signal while connecting or warming up: nothing was measured, and that is the report.
                return Empty(interrupted: true);
            }
            catch (Exception exception) when (exception is not CliFailure)
            {
                throw Explain(exception, connecting.IsCancellationRequested);
            }
        }
        finally
        {
            foreach (McpClient? client in clients)
            {
                if (client is not null)
                {
                    await client.DisposeAsync();
                }
            }
        }
    }

    private async Task<McpLoadResult> MeasureAsync(McpClient[] clients, string[] cached, JsonElement before, CancellationToken interrupt)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(interrupt);
        using var abort = new CancellationTokenSource();
        stop.CancelAfter(Duration);
        using CancellationTokenRegistration graceAfterStop = stop.Token.Register(() => abort.CancelAfter(Grace));
        long start = Stopwatch.GetTimestamp();

        ClientFigures[] figures = await Task.WhenAll(clients.Select((client, c) => Task.Run(async () =>
        {
            var mine = new ClientFigures();
            var random = new Random(1000 + c);
            long n = 0;
            while (!stop.IsCancellationRequested)
            {
                string kind;
                string tool;
                IReadOnlyDictionary<string, object?> arguments;
                if (TryClaimUncached(start))
                {
                    (kind, tool, arguments) = (McpCallKind.UncachedRecall, "recall", RecallArguments(NextFreshQuestion()));
                }
                else if (++n % Mix.StatusEvery == 0)
                {
                    (kind, tool, arguments) = (McpCallKind.Status, "memory_status", NoArguments);
                }
                else
                {
                    (kind, tool, arguments) = (McpCallKind.CachedRecall, "recall", RecallArguments(cached[random.Next(cached.Length)]));
                }

                long callStart = Stopwatch.GetTimestamp();
                try
                {
                    // Not cancelled by the stop: a call in flight when the time is up finishes
                    // (milliseconds); only one still running after the grace period is cancelled.
                    CallToolResult result = await client.CallToolAsync(tool, arguments, cancellationToken: abort.Token);
                    double milliseconds = Stopwatch.GetElapsedTime(callStart).TotalMilliseconds;
                    if (result.IsError == true)
                    {
                        mine.Fail(kind, ErrorText(result));
                    }
                    else
                    {
                        mine.Latencies[kind].Add(milliseconds);
                    }
                }
                catch (OperationCanceledException) when (abort.IsCancellationRequested)
                {
                    mine.Fail(kind, $"unfinished {Grace.TotalSeconds:0} s after the run ended");
                }
                catch (Exception exception) when (exception is McpException or HttpRequestException or IOException or TimeoutException or JsonException)
                {
                    mine.Fail(kind, CommandErrors.OneLine(exception));
                }
            }

            return mine;
        })));
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);

        var kinds = McpCallKind.All.Select(kind => new McpCallFigures(
            kind,
            [.. figures.SelectMany(f => f.Latencies[kind])],
            figures.Sum(f => f.Errors[kind]),
            figures.Select(f => f.FirstError.GetValueOrDefault(kind)).FirstOrDefault(e => e is not null))).ToList();

        McpServerFigures? server = null;
        string? failure = null;
        try
        {
            using var last = new CancellationTokenSource(ConnectTimeout);
            server = ServerFigures(await StatusAsync(clients[0], last.Token), before);
        }
        catch (Exception exception) when (exception is McpException or HttpRequestException or IOException or OperationCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            failure = CommandErrors.OneLine(exception);
        }

        return new McpLoadResult(Endpoint, Mix, elapsed, interrupt.IsCancellationRequested, kinds, server, failure);
    }

    /// <summary>Whether an uncached recall is due now (the stream is behind its rate), claiming it if so.</summary>
    private bool TryClaimUncached(long start)
    {
        if (Mix.UncachedPerSecond <= 0)
        {
            return false;
        }

        // The first is due at once, then one every 1/rate seconds.
        long due = (long)(Stopwatch.GetElapsedTime(start).TotalSeconds * Mix.UncachedPerSecond) + 1;
        long issued = Volatile.Read(ref _uncachedIssued);
        return issued < due && Interlocked.CompareExchange(ref _uncachedIssued, issued + 1, issued) == issued;
    }

    /// <summary>
    /// A question never sent before: this run numbers its tickets consecutively, and another run's
    /// numbers start at a random point among 10^9, so two runs overlap with odds of about 10^-6.
    /// The cached texts name no ticket.
    /// </summary>
    private string NextFreshQuestion()
    {
        lock (_freshLock)
        {
            return $"{_fresh!.NextQuestion()} It came up in ticket #{_ticket++}.";
        }
    }

    private static string[] CachedTexts(int count)
    {
        var generator = new SentenceGenerator(CachedSeed);
        var texts = new HashSet<string>(StringComparer.Ordinal);
        while (texts.Count < count)
        {
            texts.Add(generator.NextQuestion());
        }

        return [.. texts];
    }

    private static readonly IReadOnlyDictionary<string, object?> NoArguments = new Dictionary<string, object?>();

    private Dictionary<string, object?> RecallArguments(string query) => new() { ["query"] = query, ["k"] = Mix.K };

    private async Task<McpClient> ConnectAsync(int client, CancellationToken cancellationToken)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = Endpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
            Name = $"cortex-load-{client}",
            ConnectionTimeout = ConnectTimeout,
            AdditionalHeaders = Token is null ? null : new Dictionary<string, string> { ["Authorization"] = $"Bearer {Token}" },
        });
        var options = new McpClientOptions
        {
            ClientInfo = new Implementation { Name = "cortex-load", Version = typeof(McpLoadRun).Assembly.GetName().Version?.ToString(3) ?? "0.0.0" },
            InitializationTimeout = ConnectTimeout,
        };
        return await McpClient.CreateAsync(transport, options, cancellationToken: cancellationToken);
    }

    private async Task<JsonElement> StatusAsync(McpClient client, CancellationToken cancellationToken)
    {
        CallToolResult result = await client.CallToolAsync("memory_status", NoArguments, cancellationToken: cancellationToken);
        if (result.IsError == true || result.StructuredContent is not JsonElement status || status.ValueKind != JsonValueKind.Object)
        {
            throw new CliFailure($"{Endpoint} answered memory_status without a status ({ErrorText(result)}): is it a cortex serve?");
        }

        return status.Clone();
    }

    private static McpServerFigures ServerFigures(JsonElement status, JsonElement before)
    {
        JsonElement cache = status.GetProperty("cache");
        JsonElement cacheBefore = before.GetProperty("cache");
        var tools = status.GetProperty("tools").EnumerateArray().Select(t => new McpServerTool(
            t.GetProperty("name").GetString()!,
            t.GetProperty("calls").GetInt64(),
            t.GetProperty("callsInWindow").GetInt64(),
            t.GetProperty("p50Milliseconds").GetDouble(),
            t.GetProperty("p95Milliseconds").GetDouble(),
            t.GetProperty("p99Milliseconds").GetDouble(),
            t.GetProperty("maxMilliseconds").GetDouble())).ToList();
        return new McpServerFigures(
            status.GetProperty("memories").GetInt64(),
            status.GetProperty("peakWorkingSetBytes").GetInt64(),
            status.GetProperty("workingSetBytes").GetInt64(),
            cache.GetProperty("recallsCached").GetInt64() - cacheBefore.GetProperty("recallsCached").GetInt64(),
            cache.GetProperty("recallsComputed").GetInt64() - cacheBefore.GetProperty("recallsComputed").GetInt64(),
            tools,
            status);
    }

    private McpLoadResult Empty(bool interrupted) => new(
        Endpoint,
        Mix,
        TimeSpan.Zero,
        interrupted,
        [.. McpCallKind.All.Select(k => new McpCallFigures(k, [], 0, null))],
        null,
        "the run stopped before it started");

    private static string ErrorText(CallToolResult result) =>
        result.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text.ReplaceLineEndings(" ") ?? "no message";

    /// <summary>A failure to connect as one line the user can act on.</summary>
    private CliFailure Explain(Exception exception, bool timedOut)
    {
        HttpRequestException? http = exception as HttpRequestException ?? exception.InnerException as HttpRequestException;
        return http switch
        {
            { StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } => new CliFailure(
                Token is null
                    ? $"{Endpoint} wants an access token ({(int)http.StatusCode} {http.StatusCode}): give it with --token or ${ServeCommand.TokenVariable}."
                    : $"{Endpoint} refused the access token ({(int)http.StatusCode} {http.StatusCode}).",
                exception),
            { StatusCode: HttpStatusCode code } => new CliFailure($"{Endpoint} answered {(int)code} {code}: is it the MCP endpoint of a cortex serve (http://host:port/mcp)?", exception),
            not null => new CliFailure($"cannot reach {Endpoint}: {CommandErrors.OneLine(http.InnerException ?? http)}", exception),
            null when timedOut => new CliFailure($"{Endpoint} did not answer within {ConnectTimeout.TotalSeconds:0} s.", exception),
            _ => new CliFailure($"{Endpoint}: {CommandErrors.OneLine(exception)}", exception),
        };
    }

    private sealed class ClientFigures
    {
        public Dictionary<string, List<double>> Latencies { get; } = McpCallKind.All.ToDictionary(k => k, _ => new List<double>());

        public Dictionary<string, long> Errors { get; } = McpCallKind.All.ToDictionary(k => k, _ => 0L);

        public Dictionary<string, string?> FirstError { get; } = [];

        public void Fail(string kind, string message)
        {
            Errors[kind]++;
            FirstError.TryAdd(kind, message);
        }
    }
}
