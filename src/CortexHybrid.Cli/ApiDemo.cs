using System.Diagnostics;
using System.Text.Json;
using CortexHybrid.Cli.Server;
using CortexHybrid.Memory;
using CortexHybrid.Memory.Corpora;
using CortexHybrid.Memory.Embeddings;
using CortexHybrid.Memory.Stores;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CortexHybrid.Cli;

/// <summary>
/// The default <c>cortex demo</c>: the memory the MCP server runs (<see cref="MemoryServer.AddMemory"/>:
/// SQLite store, all-MiniLM-L6-v2, cache, monitor) remembers the .NET API documentation subset of
/// <see cref="ApiDocumentationCorpus.ReadSubset"/> (once; later runs reuse the store), answers
/// <see cref="Questions"/> twice each (computed, then from the cache), and reports its status.
/// </summary>
internal static class ApiDemo
{
    /// <summary>Hits shown per question.</summary>
    public const int HitsPerQuestion = 5;

    /// <summary>The questions asked, in order.</summary>
    public static IReadOnlyList<string> Questions { get; } =
    [
        "read every line of a text file",
        "wait for several tasks to finish",
        "convert a string to an integer",
        "serialize an object to JSON",
        "send an HTTP GET request",
        "sort a list",
        "cancel a long running operation",
        "compute a SHA-256 hash",
    ];

    /// <summary>
    /// The demo's own store, beside the user's memory so the two never mix: <c>demo</c> next to
    /// <see cref="MemoryPaths.DefaultStoreDirectory"/> (<c>~/.local/share/cortex-hybrid/demo</c> by default).
    /// </summary>
    public static string DefaultStoreDirectory()
    {
        string memory = MemoryPaths.DefaultStoreDirectory();
        return Path.Combine(Path.GetDirectoryName(memory) ?? memory, "demo");
    }

    public static async Task<int> RunAsync(Settings settings, ConsoleInterrupt interrupt)
    {
        MachineReport info = MachineReport.Gather();
        ApiDocumentationCorpus corpus = ApiDocumentationCorpus.Find();
        var reading = Stopwatch.StartNew();
        IReadOnlyList<ApiMember> subset;
        try
        {
            subset = corpus.ReadSubset(settings.Limit);
        }
        catch (InvalidDataException exception)
        {
            throw new CliFailure(exception.Message, exception);
        }

        double readSeconds = reading.Elapsed.TotalSeconds;

        var services = new ServiceCollection();
        services.AddLogging(logging => MemoryServer.LogToStandardError(logging, LogLevel.Warning));
        MemoryServer.AddMemory(services, new MemoryServerSettings
        {
            StoreDirectory = settings.StoreDirectory,
            ShowProgress = !settings.Json,
            LogLevel = LogLevel.Warning,

            // The demo times each question computed, then cached: a warmed cache would leave nothing to compute.
            WarmRecallCache = false,
        });
        await using ServiceProvider provider = services.BuildServiceProvider();

        // What a host does at start: the model loads, the store opens, the index is rebuilt from it.
        // Not cancelled by a signal: it takes seconds, and the run stops cleanly at the next step.
        var opening = Stopwatch.StartNew();
        foreach (IHostedService service in provider.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }

        double openSeconds = opening.Elapsed.TotalSeconds;
        SemanticMemory memory = provider.GetRequiredService<SemanticMemory>();
        IEmbeddingGenerator<string, Embedding<float>> embeddings = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        Ingestion ingestion = await IngestAsync(memory, subset, settings, interrupt);

        double warmUpMilliseconds = await WarmUpAsync(embeddings);

        // The host starts the model loading and opens the store meanwhile; by now the ingestion or the warm-up has waited for it.
        MiniLmEmbeddingGenerator model = embeddings.GetService<MiniLmEmbeddingGenerator>()
            ?? throw new InvalidOperationException("The memory server's embedding generator is not the built-in MiniLM model.");

        // Only the demo's memories answer, should --store name a memory holding others too.
        long apiMemories = await memory.CountAsync(ApiDocumentationCorpus.Tag);
        IReadOnlyList<string>? tags = await memory.CountAsync() > apiMemories ? [ApiDocumentationCorpus.Tag] : null;
        var answers = new List<Answer>();
        foreach (string question in Questions)
        {
            var timer = Stopwatch.StartNew();
            IReadOnlyList<RecallHit> hits = await memory.RecallAsync(question, HitsPerQuestion, tags);
            double computed = timer.Elapsed.TotalMilliseconds;
            timer.Restart();
            await memory.RecallAsync(question, HitsPerQuestion, tags);
            double cached = timer.Elapsed.TotalMilliseconds;
            answers.Add(new Answer(question, computed, cached, [.. hits.Select(Hit.From)]));
        }

        // A client asking for the status after its questions; the report below is the second call, so it has a figure.
        memory.GetStatus();
        MemoryStatus status = memory.GetStatus();
        ComparisonReport? bench = settings.Kernels ? BenchCommand.Measure(settings.Dimensions, settings.Rounds) : null;

        if (settings.Json)
        {
            var output = new
            {
                info,
                corpus = new
                {
                    corpus.Directory,
                    corpus.Version,
                    corpus.TargetFramework,
                    files = corpus.Files.Count,
                    subset = subset.Count,
                    limit = settings.Limit,
                    readSeconds,
                },
                store = settings.StoreDirectory,
                model = new { model.ModelSourceDescription, loadSeconds = model.LoadDuration.TotalSeconds, openSeconds, warmUpMilliseconds },
                ingestion,
                questions = answers,
                status,
                bench,
            };
            Console.WriteLine(JsonSerializer.Serialize(output, CliOptions.Json));
            return ExitCodes.Success;
        }

        foreach (string line in info.ToText())
        {
            Console.WriteLine(line);
        }

        Console.WriteLine($"corpus           {corpus}");
        Console.WriteLine($"subset           {subset.Count:N0} API members{(settings.Limit is int limit ? $" (--limit {limit:N0})" : string.Empty)}: types and methods of {ApiDocumentationCorpus.SubsetNamespaces.Count} namespaces, featured types first; read in {readSeconds:0.0} s");
        Console.WriteLine($"model            {memory.Model.Id} ({memory.Model.Dimensions} dimensions), loaded in {model.LoadDuration.TotalSeconds:0.0} s, warm-up {warmUpMilliseconds:N0} ms; memory open in {openSeconds:0.0} s");
        Console.WriteLine($"memories         {ingestion.Describe(settings.StoreDirectory, interrupt.StoppedBy)}");
        Console.WriteLine();
        Console.WriteLine($"Questions (top {HitsPerQuestion} of {apiMemories:N0} by cosine similarity; each asked twice: computed, then from the cache):");
        foreach (Answer answer in answers)
        {
            Console.WriteLine();
            Console.WriteLine($"  \"{answer.Question}\"   computed in {answer.UncachedMilliseconds:0.0} ms, cached in {answer.CachedMilliseconds:0.000} ms");
            foreach (Hit hit in answer.Hits)
            {
                Console.WriteLine($"    {hit.Score:0.000}  {Shorten(hit.Text, 140)}");
            }
        }

        Console.WriteLine();
        foreach (string line in MemoryStatusText.Lines(status))
        {
            Console.WriteLine(line);
        }

        Console.WriteLine("  (Sixteen recalls are no load test: the throughput target needs one.)");
        if (bench is not null)
        {
            Console.WriteLine();
            BenchCommand.Write(bench);
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// Runs a remember, recalls (computed and cached) and a status through a throwaway memory (its own store
    /// in a temporary directory, its own cache and monitor) on the same model: the first call of a
    /// process compiles the code it runs (a few hundred milliseconds), and this way the demo's
    /// memory reports what a running server sees. Returns how long it took.
    /// </summary>
    private static async Task<double> WarmUpAsync(IEmbeddingGenerator<string, Embedding<float>> model)
    {
        var timer = Stopwatch.StartNew();
        string directory = Path.Combine(Path.GetTempPath(), $"cortex-demo-warm-up-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            await using (var store = new SqliteMemoryStore(directory))
            {
                await using var scratch = new SemanticMemory(store, model);
                await scratch.OpenAsync();
                await scratch.RememberAsync("A warm-up memory.", [ApiDocumentationCorpus.Tag]);
                await scratch.RecallAsync("warm up", 1, [ApiDocumentationCorpus.Tag]);
                await scratch.RecallAsync("warm up", 1, [ApiDocumentationCorpus.Tag]);
                await scratch.RecallAsync("warm up the memory", 1);
                scratch.GetStatus();
            }
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A temporary directory left behind is harmless.
            }
            catch (UnauthorizedAccessException)
            {
                // Likewise.
            }
        }

        return timer.Elapsed.TotalMilliseconds;
    }

    /// <summary>Remembers the members the store lacks (none when it holds the subset already), with a progress bar.</summary>
    private static async Task<Ingestion> IngestAsync(SemanticMemory memory, IReadOnlyList<ApiMember> subset, Settings settings, ConsoleInterrupt interrupt)
    {
        long stored = await memory.CountAsync(ApiDocumentationCorpus.Tag);
        if (stored >= subset.Count)
        {
            return new Ingestion(Reused: true, Stored: stored, Missing: 0, Ingested: 0, Seconds: 0, PerSecond: 0, Interrupted: false);
        }

        var missing = new List<MemoryInput>(subset.Count);
        foreach (ApiMember member in subset)
        {
            if (stored == 0 || await memory.Store.FindByTextAsync(member.Text) is null)
            {
                missing.Add(member.ToMemoryInput());
            }
        }

        int done = 0;
        bool interrupted = false;
        var timer = Stopwatch.StartNew();
        await IngestProgressBar.RunAsync($"remembering {missing.Count:N0} API members", missing.Count, show: !settings.Json, async progress =>
        {
            try
            {
                await memory.RememberManyAsync(missing, new CountingProgress(progress, value => done = value), interrupt.Token);
            }
            catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
            {
                // The batches stored by now stay stored: the next run goes on from there.
                interrupted = true;
            }
        });
        double seconds = timer.Elapsed.TotalSeconds;
        return new Ingestion(Reused: false, stored, missing.Count, done, seconds, seconds > 0 ? done / seconds : 0, interrupted);
    }

    private static string Shorten(string text, int length) => text.Length <= length ? text : string.Concat(text.AsSpan(0, length - 1), "…");

    /// <summary>What <c>cortex demo</c> was told.</summary>
    internal sealed record Settings
    {
        public required string StoreDirectory { get; init; }

        public int? Limit { get; init; }

        public bool Json { get; init; }

        public bool Kernels { get; init; }

        public required int[] Dimensions { get; init; }

        public int Rounds { get; init; }
    }

    /// <summary>How the memories got into the store: reused, or ingested now (how many, how fast, whether a signal stopped it).</summary>
    internal sealed record Ingestion(bool Reused, long Stored, int Missing, int Ingested, double Seconds, double PerSecond, bool Interrupted)
    {
        public string Describe(string store, string? stoppedBy) => Reused
            ? $"reusing {Stored:N0} memories from {store} (nothing to embed)"
            : Interrupted
                ? $"ingested {Ingested:N0} of {Missing:N0} in {Seconds:0.0} s ({PerSecond:N0}/s), stopped by {stoppedBy ?? "a signal"}; the next run goes on from there"
                : $"ingested {Ingested:N0} memories in {Seconds:0.0} s ({PerSecond:N0}/s) into {store}{(Stored > 0 ? $" (beside {Stored:N0} already there)" : string.Empty)}";
    }

    /// <summary>One question's hits and how long it took computed and from the cache.</summary>
    internal sealed record Answer(string Question, double UncachedMilliseconds, double CachedMilliseconds, IReadOnlyList<Hit> Hits);

    /// <summary>One recalled API member.</summary>
    internal sealed record Hit(long Id, float Score, string Name, string Member, string Text)
    {
        public static Hit From(RecallHit hit) => new(
            hit.Id,
            hit.Score,
            hit.Metadata.GetValueOrDefault(ApiMember.NameKey, hit.Text),
            hit.Metadata.GetValueOrDefault(ApiMember.MemberKey, string.Empty),
            hit.Text);
    }

    /// <summary>Passes each count on and keeps the last.</summary>
    private sealed class CountingProgress(IProgress<int> inner, Action<int> last) : IProgress<int>
    {
        public void Report(int value)
        {
            last(value);
            inner.Report(value);
        }
    }
}
