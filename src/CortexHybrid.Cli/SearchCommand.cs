using System.CommandLine;
using System.Text.Json;
using CortexHybrid.Search;

namespace CortexHybrid.Cli;

/// <summary><c>cortex search</c>: the top k of every query in a file, against a corpus file.</summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        Option<string?> corpus = CorpusLoader.CorpusOption();
        corpus.Required = true;
        var queries = new Option<string>("--query-file") { Description = "The queries: a .fvecs or .npy (float32) file of the corpus's dimension.", Required = true };
        Option<int> k = CliOptions.WholeNumberOption("--k", "Hits per query, 1 to 10,000.", minimum: 1, maximum: 10_000, defaultValue: 10);
        Option<bool> json = CliOptions.JsonOption();
        Option<bool> verbose = CommandErrors.VerboseOption();
        var command = new Command("search", "Print the k nearest corpus vectors (cosine) of every query in a file.") { corpus, queries, k, json, verbose };
        command.SetAction((result, _) => CommandErrors.RunAsync(result.GetValue(verbose), () =>
        {
            (VectorIndex index, string description) = CorpusLoader.Load(result.GetValue(corpus), showProgress: false);
            using (index)
            {
                EmbeddingMatrix matrix = CorpusLoader.LoadQueries(result.GetValue(queries)!, index.Dimension);
                SearchResult[][] hits;
                try
                {
                    hits = index.SearchBatch(matrix.Values, result.GetValue(k));
                }
                catch (ArgumentException exception)
                {
                    throw new CliFailure($"the queries in '{result.GetValue(queries)}' cannot be searched: {CommandErrors.OneLine(exception)}", exception);
                }

                if (result.GetValue(json))
                {
                    var output = new
                    {
                        corpus = description,
                        metric = index.Metric.ToString(),
                        k = result.GetValue(k),
                        queries = hits.Select((h, i) => new { query = i, hits = h.Select(r => new { id = r.Id, score = r.Score }) }),
                    };
                    Console.WriteLine(JsonSerializer.Serialize(output, CliOptions.Json));
                }
                else
                {
                    Console.WriteLine($"corpus {description}; {index.Metric}, top {result.GetValue(k)}");
                    for (int q = 0; q < hits.Length; q++)
                    {
                        Console.WriteLine($"query {q}: " + string.Join("  ", hits[q].Select(r => $"{r.Id}:{r.Score:0.0000}")));
                    }
                }
            }

            return Task.FromResult(ExitCodes.Success);
        }));
        return command;
    }
}
