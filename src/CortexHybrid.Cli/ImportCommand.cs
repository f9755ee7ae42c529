using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CortexHybrid.Cli.Server;
using CortexHybrid.Memory;
using CortexHybrid.Memory.Embeddings;
using CortexHybrid.Memory.Stores;

namespace CortexHybrid.Cli;

/// <summary>
/// <c>cortex import</c>: many texts into a store at once, one memory per non-empty line of a text
/// file (or per paragraph), or N generated notes; embedded in batches through the model.
/// </summary>
internal static partial class ImportCommand
{
    public static Command Create()
    {
        var file = new Argument<string?>("FILE")
        {
            Description = "A UTF-8 text file: one memory per non-empty line (or per paragraph with --paragraphs). Not with --generate.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        Option<string?> store = StoreOptions.Store();
        var paragraphs = new Option<bool>("--paragraphs") { Description = "One memory per paragraph (lines up to a blank line, joined by spaces) instead of per line." };
        var tag = new Option<string[]>("--tag") { Description = "A tag every imported memory carries; may be repeated.", AllowMultipleArgumentsPerToken = false };
        Option<int> generate = CliOptions.WholeNumberOption(
            "--generate",
            "Instead of a file, import this many distinct generated notes (reproducible: the same --seed gives the same notes), 1 to 10,000,000.",
            minimum: 1,
            maximum: 10_000_000,
            defaultValue: 0);
        Option<int> seed = CliOptions.WholeNumberOption("--seed", "The seed of --generate.", minimum: 0, maximum: int.MaxValue, defaultValue: SentenceGenerator.DefaultSeed);
        Option<bool> verbose = CommandErrors.VerboseOption();
        var command = new Command("import", "Remember every line (or paragraph) of a text file, or N generated notes, in a store: embedded in batches, progress on standard error.")
        {
            file, store, paragraphs, tag, generate, seed, verbose,
        };
        command.SetAction((result, _) => CommandErrors.RunAsync(result.GetValue(verbose), async () =>
        {
            using ConsoleInterrupt interrupt = ConsoleInterrupt.Listen();
            string? path = result.GetValue(file);
            int count = result.GetValue(generate);
            if ((path is null) == (count == 0))
            {
                throw new UsageException("cortex import takes a FILE or --generate N (one of them).");
            }

            string source = path ?? $"{count:N0} generated notes (seed {result.GetValue(seed)})";
            (string Text, int Line)[] texts = path is null
                ? [.. SentenceGenerator.DistinctNotes(count, result.GetValue(seed)).Select((text, i) => (text, i + 1))]
                : Read(path, result.GetValue(paragraphs));
            string[]? tags = result.GetValue(tag) is { Length: > 0 } given ? given : null;
            return await ImportAsync(texts, tags, source, StoreOptions.Directory(result.GetValue(store)), interrupt);
        }));
        return command;
    }

    /// <summary>
    /// Imports, and on a signal (Ctrl-C, SIGTERM) stops, closes the store and reports what was
    /// stored, exit 0 (the next run goes on from there), whether the signal came while the model
    /// loaded, the store opened or the texts were being stored.
    /// </summary>
    private static async Task<int> ImportAsync((string Text, int Line)[] texts, string[]? tags, string source, string directory, ConsoleInterrupt interrupt)
    {
        try
        {
            return await ImportCoreAsync(texts, tags, source, directory, interrupt);
        }
        catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
        {
            // Stopped before the storing began: the store is closed (the usings above) and nothing was added.
            Console.WriteLine($"Imported {source} into {directory}: nothing added, stopped by {interrupt.StoppedBy ?? "a signal"} while starting. Run the import again to add it.");
            return ExitCodes.Success;
        }
    }

    private static async Task<int> ImportCoreAsync((string Text, int Line)[] texts, string[]? tags, string source, string directory, ConsoleInterrupt interrupt)
    {
        // Built as cortex serve builds it, without the host: a SQLite store, the built-in model, the memory.
        await using var store = new SqliteMemoryStore(directory);
        await using MiniLmEmbeddingGenerator embeddings = await MiniLmEmbeddingGenerator.CreateAsync(cancellationToken: interrupt.Token);
        // No recalls here: nothing to warm, and nothing to record (WarmQueries 0 leaves the stored counts as they are).
        await using var memory = new SemanticMemory(store, embeddings, new SemanticMemoryOptions { WarmQueries = 0 });
        await memory.OpenAsync(new LoadProgressBar(), interrupt.Token);
        long before = await memory.CountAsync(cancellationToken: interrupt.Token);

        // Texts already stored, or repeated in the source, skip the model (a second import, or one resumed after Ctrl-C).
        var stopwatch = Stopwatch.StartNew();
        var inputs = new List<MemoryInput>(texts.Length);
        var lines = new List<int>(texts.Length);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string text, int line) in texts)
        {
            if (seen.Add(text) && await store.FindByTextAsync(text, interrupt.Token) is null)
            {
                inputs.Add(new MemoryInput(text, tags));
                lines.Add(line);
            }
        }

        long present = texts.Length - inputs.Count;
        var progress = new ImportProgress(inputs.Count, stopwatch);
        IReadOnlyList<RememberResult> results;
        string? stoppedBy = null;
        try
        {
            results = await memory.RememberManyAsync(inputs, progress, interrupt.Token);
        }
        catch (InvalidMemoryInputException invalid) when (InputText().Match(invalid.ParamName ?? "") is { Success: true } match)
        {
            // "inputs[i].text is ..." -> "line N is ...": the place the user can find in the file.
            int line = lines[int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)];
            string problem = invalid.Message[(invalid.Message.IndexOf(' ', StringComparison.Ordinal) + 1)..];
            throw new CliFailure($"{source}: line {line:N0} {problem} Nothing was imported.");
        }
        catch (InvalidMemoryInputException invalid)
        {
            // The same for every input: a tag (inputs[0].tags[1] is ...).
            throw new CliFailure($"--tag: {InputIndex().Replace(invalid.Message, string.Empty).TrimStart('.')} Nothing was imported.");
        }
        catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
        {
            // Batches stored before the signal stay stored; the count says how many.
            stoppedBy = interrupt.StoppedBy ?? "a signal";
            results = [];
        }

        progress.Finish();
        long total = await memory.CountAsync(cancellationToken: CancellationToken.None);
        double seconds = stopwatch.Elapsed.TotalSeconds;

        // Stopped by a signal, the batches stored before it are in the store (counted there: the
        // results went with the cancellation) and the rest is for the next run; exit 0 either way.
        long added = stoppedBy is null ? results.Count(r => r.Added) : total - before;
        long alreadyPresent = present + results.Count(r => !r.Added);
        string stopped = stoppedBy is null ? string.Empty : $", stopped by {stoppedBy} with {inputs.Count - added:N0} not yet added";
        Console.WriteLine(
            $"Imported {source} into {directory}: {added:N0} added, {alreadyPresent:N0} already present, in {seconds:0.0} s"
            + $"{(added > 0 ? $" ({added / Math.Max(seconds, 1e-9):N0} texts/s)" : string.Empty)}{stopped}; the store holds {total:N0} {(total == 1 ? "memory" : "memories")}."
            + (stoppedBy is null ? string.Empty : " Run the import again to add the rest."));
        return ExitCodes.Success;
    }

    /// <summary>The texts of a file: its non-empty lines, trimmed, or its paragraphs, each joined into one line.</summary>
    private static (string Text, int Line)[] Read(string path, bool paragraphs)
    {
        if (Directory.Exists(path))
        {
            throw new CliFailure($"{path} is a directory, not a text file.");
        }

        if (!File.Exists(path))
        {
            throw new CliFailure($"{path} does not exist.");
        }

        var texts = new List<(string Text, int Line)>();
        var paragraph = new List<string>();
        int number = 0;
        int first = 0;
        foreach (string raw in File.ReadLines(path))
        {
            number++;
            string line = raw.Trim();
            if (!paragraphs)
            {
                if (line.Length > 0)
                {
                    texts.Add((line, number));
                }
            }
            else if (line.Length > 0)
            {
                first = paragraph.Count == 0 ? number : first;
                paragraph.Add(line);
            }
            else if (paragraph.Count > 0)
            {
                texts.Add((string.Join(' ', paragraph), first));
                paragraph.Clear();
            }
        }

        if (paragraph.Count > 0)
        {
            texts.Add((string.Join(' ', paragraph), first));
        }

        return texts.Count > 0 ? [.. texts] : throw new CliFailure($"{path} holds no text: every line is empty.");
    }

    [GeneratedRegex(@"^inputs\[(\d+)\]\.text$")]
    private static partial Regex InputText();

    [GeneratedRegex(@"^inputs\[\d+\]")]
    private static partial Regex InputIndex();

    /// <summary>The import's progress as one updating line on standard error: every 2% and the end.</summary>
    private sealed class ImportProgress(int total, Stopwatch stopwatch) : IProgress<int>
    {
        private int _shown = -1;

        public void Report(int value)
        {
            int step = Math.Max(1, total / 50);
            if (value != total && value / step == _shown / step)
            {
                return;
            }

            _shown = value;
            double seconds = stopwatch.Elapsed.TotalSeconds;
            Console.Error.Write($"\rcortex: embedding and storing {value:N0} / {total:N0} ({100.0 * value / Math.Max(total, 1):0}%, {value / Math.Max(seconds, 1e-9):N0} texts/s)   ");
        }

        public void Finish()
        {
            if (_shown >= 0)
            {
                Console.Error.WriteLine();
            }
        }
    }
}
