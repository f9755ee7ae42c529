using System.Diagnostics;
using CortexHybrid.Memory.Vectors;
using CortexHybrid.Search;

namespace CortexHybrid.Cli;

/// <summary>
/// The seed's load test: concurrent clients sending a mix of repeated queries (which the cache
/// serves after their first time) and fresh ones, until a duration passes, a request count is
/// reached, or the run is cancelled. Client-side timings of cached queries and status calls are
/// kept for the seed guide's targets.
/// </summary>
internal sealed class LoadRun
{
    /// <summary>Distinct repeated queries: the cache's working set.</summary>
    private const int RepeatedQueries = 200;

    /// <summary>Share of requests that repeat a query.</summary>
    private const double RepeatShare = 0.7;

    /// <summary>Every client calls Status() once per this many requests.</summary>
    private const int StatusEvery = 50;

    public required int Concurrency { get; init; }

    public TimeSpan? Duration { get; init; }

    public long? Requests { get; init; }

    public int K { get; init; } = 10;

    public async Task<LoadResult> RunAsync(VectorCorpusPipeline memory, CancellationToken cancellationToken)
    {
        EmbeddingMatrix corpusLike = SampleRows(memory.Index, RepeatedQueries + 1000);
        float[] repeated = SyntheticCorpus.Queries(corpusLike, RepeatedQueries, seed: 7);
        int dimension = memory.Index.Dimension;
        long issued = 0;
        var stopwatch = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (Duration is TimeSpan duration)
        {
            stop.CancelAfter(duration);
        }

        var clients = new Task<ClientFigures>[Concurrency];
        for (int c = 0; c < clients.Length; c++)
        {
            int client = c;
            clients[c] = Task.Run(async () =>
            {
                var figures = new ClientFigures();
                var random = new Random(1000 + client);
                float[] fresh = new float[dimension];
                while (!stop.IsCancellationRequested)
                {
                    long n = Interlocked.Increment(ref issued);
                    if (Requests is long limit && n > limit)
                    {
                        break;
                    }

                    float[] query;
                    if (random.NextDouble() < RepeatShare)
                    {
                        query = repeated.AsSpan(random.Next(RepeatedQueries) * dimension, dimension).ToArray();
                    }
                    else
                    {
                        query = SyntheticCorpus.Queries(corpusLike, 1, seed: random.Next());
                    }

                    long start = Stopwatch.GetTimestamp();
                    try
                    {
                        // Not cancelled by the stop: a request in flight when the time is up finishes
                        // (milliseconds), so the report counts no cancellation as an error.
                        SearchResponse response = await memory.SearchAsync(query, K, CancellationToken.None);
                        double milliseconds = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                        (response.FromCache ? figures.Cached : figures.Uncached).Add(milliseconds);
                    }
                    catch (Exception)
                    {
                        figures.Failed++;
                    }

                    if (n % StatusEvery == 0)
                    {
                        long statusStart = Stopwatch.GetTimestamp();
                        memory.Status();
                        figures.Status.Add(Stopwatch.GetElapsedTime(statusStart).TotalMilliseconds);
                    }
                }

                return figures;
            });
        }

        ClientFigures[] all = await Task.WhenAll(clients);
        stopwatch.Stop();
        return new LoadResult(
            stopwatch.Elapsed,
            [.. all.SelectMany(f => f.Cached)],
            [.. all.SelectMany(f => f.Uncached)],
            [.. all.SelectMany(f => f.Status)],
            all.Sum(f => f.Failed),
            cancellationToken.IsCancellationRequested);
    }

    /// <summary>Vectors to draw queries near: the first rows of the default synthetic corpus of the index's dimension.</summary>
    /// <remarks>
    /// The index keeps its rows private. For the default corpus these are its own first rows
    /// (the generator gives the same first rows for any count); for a corpus file they are a
    /// clustered load of the right dimension.
    /// </remarks>
    private static EmbeddingMatrix SampleRows(VectorIndex index, int count) =>
        SyntheticCorpus.Generate(Math.Max(count, 1), index.Dimension, seed: SyntheticCorpus.DefaultSeed);

    private sealed class ClientFigures
    {
        public List<double> Cached { get; } = [];

        public List<double> Uncached { get; } = [];

        public List<double> Status { get; } = [];

        public long Failed { get; set; }
    }
}

/// <summary>What a load run measured on the client side.</summary>
internal sealed record LoadResult(TimeSpan Elapsed, double[] CachedMilliseconds, double[] UncachedMilliseconds, double[] StatusMilliseconds, long Failed, bool Interrupted)
{
    public long Completed => CachedMilliseconds.Length + UncachedMilliseconds.Length;

    public double RequestsPerSecond => Completed / Math.Max(Elapsed.TotalSeconds, 1e-9);

    public static double Percentile(double[] values, double fraction)
    {
        if (values.Length == 0)
        {
            return 0;
        }

        double[] sorted = [.. values.Order()];
        return sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
