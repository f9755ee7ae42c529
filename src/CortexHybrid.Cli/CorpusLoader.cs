using CortexHybrid.Memory.Vectors;
using CortexHybrid.Search;
using Spectre.Console;

namespace CortexHybrid.Cli;

/// <summary>The corpus a command searches: a file (.fvecs, .npy, or an index saved by VectorIndex.Save), or the seeded synthetic one.</summary>
internal static class CorpusLoader
{
    /// <summary>Rows of the default synthetic corpus.</summary>
    public const int DefaultRows = 100_000;

    /// <summary>Dimension of the default synthetic corpus.</summary>
    public const int DefaultDimension = 384;

    public static System.CommandLine.Option<string?> CorpusOption() => new("--corpus")
    {
        Description = "The vectors to search: a .fvecs or .npy (float32) file, or an index saved by VectorIndex.Save (any other extension). Default: a seeded synthetic corpus of 100,000 x 384.",
    };

    /// <summary>Loads <paramref name="path"/>, or builds the synthetic corpus with a progress bar on standard error.</summary>
    /// <exception cref="CliFailure">The file is missing, unreadable or not a corpus.</exception>
    public static (VectorIndex Index, string Description) Load(string? path, bool showProgress)
    {
        if (path is null)
        {
            EmbeddingMatrix synthetic = Build(showProgress);
            return (SyntheticCorpus.ToIndex(synthetic), $"synthetic, {synthetic.Count:N0} x {synthetic.Dimension} (seed 42, clustered)");
        }

        if (Directory.Exists(path))
        {
            throw new CliFailure($"the corpus '{path}' is a directory; give a .fvecs, .npy or saved index file.");
        }

        if (!File.Exists(path))
        {
            throw new CliFailure($"the corpus file '{path}' does not exist.");
        }

        string extension = Path.GetExtension(path).ToLowerInvariant();
        try
        {
            if (extension is ".fvecs" or ".npy")
            {
                EmbeddingMatrix vectors = EmbeddingFile.Read(path);
                return (SyntheticCorpus.ToIndex(vectors), $"{path}, {vectors.Count:N0} x {vectors.Dimension}");
            }

            VectorIndex index = VectorIndex.Load(path);
            return (index, $"{path} (saved index), {index.Count:N0} x {index.Dimension}, {index.Metric}");
        }
        catch (InvalidDataException exception)
        {
            throw new CliFailure($"'{path}' is not a usable corpus: {exception.Message}", exception);
        }
        catch (ArgumentException exception)
        {
            throw new CliFailure($"'{path}' cannot be indexed: {exception.Message}", exception);
        }
    }

    /// <summary>Queries from a .fvecs or .npy file, checked against the corpus dimension.</summary>
    public static EmbeddingMatrix LoadQueries(string path, int dimension)
    {
        if (!File.Exists(path))
        {
            throw new CliFailure($"the query file '{path}' does not exist.");
        }

        EmbeddingMatrix queries;
        try
        {
            queries = EmbeddingFile.Read(path);
        }
        catch (InvalidDataException exception)
        {
            throw new CliFailure($"'{path}' is not a usable query file: {exception.Message}", exception);
        }

        if (queries.Dimension != dimension)
        {
            throw new CliFailure($"the queries in '{path}' have dimension {queries.Dimension}, but the corpus has {dimension}.");
        }

        return queries;
    }

    private static EmbeddingMatrix Build(bool showProgress)
    {
        if (!showProgress)
        {
            return SyntheticCorpus.Generate(DefaultRows, DefaultDimension);
        }

        EmbeddingMatrix? corpus = null;
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                ProgressTask task = context.AddTask($"building corpus {DefaultRows:N0} x {DefaultDimension}", maxValue: DefaultRows);
                corpus = SyntheticCorpus.Generate(DefaultRows, DefaultDimension, progress: new Progress<int>(rows => task.Value = rows));
                task.Value = DefaultRows;
            });
        return corpus!;
    }
}
