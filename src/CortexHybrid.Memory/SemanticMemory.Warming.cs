using System.Text.Json;
using CortexHybrid.Caching;
using CortexHybrid.Memory.Stores;
using CortexHybrid.Search;

namespace CortexHybrid.Memory;

/// <summary>Warming the recall cache at start with what was asked most before the last stop.</summary>
public sealed partial class SemanticMemory
{
    private readonly RecallQueryCounts? _queryCounts;
    private readonly CancellationTokenSource _warmingStop = new();
    private Task<CacheWarmResult> _warming = Task.FromResult(default(CacheWarmResult));

    /// <summary>
    /// The start-up warming (<see cref="SemanticMemoryOptions.WarmQueries"/>): completes once the
    /// most frequent recalls saved at the last stop are in the cache (their responses computed, their
    /// query embeddings cached), with what was loaded and what failed. Recalls are served meanwhile;
    /// one that arrives while its own warming runs shares it. Completed at once when there is nothing
    /// to warm; never faults (a failure is counted in the result and logged).
    /// </summary>
    public Task<CacheWarmResult> Warming => _warming;

    /// <summary>Counts a recall that was answered, for the next start's warming.</summary>
    private void RecordRecall(string normalized, int k, IReadOnlyList<string> tags, float? minimum)
    {
        if (_queryCounts is null)
        {
            return;
        }

        var request = new RecallRequest(normalized, k, [.. tags.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], minimum);
        _queryCounts.Record(JsonSerializer.Serialize(request, MemoryJsonContext.Default.RecallRequest));
    }

    /// <summary>Stops the warming (at dispose) and waits for it to end.</summary>
    private async Task StopWarmingAsync()
    {
        await _warmingStop.CancelAsync().ConfigureAwait(false);
        await _warming.ConfigureAwait(false); // never faults
        _warmingStop.Dispose();
    }

    /// <summary>Saves this run's recall counts to the store (at stop); a failure is logged, never thrown.</summary>
    private async Task SaveRecallCountsAsync()
    {
        if (_queryCounts is null)
        {
            return;
        }

        try
        {
            await _store.SaveFrequentQueriesAsync(_queryCounts.Top(FrequentQuery.MaxKept)).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            MemoryLog.FrequentQueriesNotSaved(_logger, _store.Description, exception);
        }
    }

    /// <summary>Starts warming the recall cache from the store's most frequent requests, in the background.</summary>
    private void StartWarming(VectorIndex index)
    {
        if (_options.WarmQueries > 0)
        {
            _warming = Task.Run(() => WarmAsync(index));
        }
    }

    private async Task<CacheWarmResult> WarmAsync(VectorIndex index)
    {
        try
        {
            CancellationToken stop = _warmingStop.Token;
            IReadOnlyList<FrequentQuery> saved = await _store.FrequentQueriesAsync(_options.WarmQueries, stop).ConfigureAwait(false);
            var requests = new Dictionary<string, (string Query, int K, IReadOnlyList<string> Tags, float? MinScore)>(StringComparer.Ordinal);
            long generation = Volatile.Read(ref _generation);
            int unreadable = 0;
            foreach (FrequentQuery query in saved)
            {
                try
                {
                    RecallRequest request = JsonSerializer.Deserialize(query.Request, MemoryJsonContext.Default.RecallRequest)
                        ?? throw new JsonException("null request");

                    // Today's limits, not those of the run that recorded it.
                    string text = _rules.Text(request.Query, "query");
                    int k = _rules.Count(request.K, _options.MaxRecall, "k");
                    IReadOnlyList<string> tags = _rules.Tags(request.Tags, "tags");
                    float? minimum = _rules.MinimumScore(request.MinScore, "minScore");
                    string normalized = QueryKeys.Normalize(text, _foldCase);
                    requests[QueryKeys.Response(normalized, k, tags, minimum, generation)] = (normalized, k, tags, minimum);
                }
                catch (Exception exception) when (exception is JsonException or InvalidMemoryInputException)
                {
                    unreadable++;
                }
            }

            CacheWarmResult result = await _cache.WarmAsync(
                requests.Keys,
                (key, token) =>
                {
                    (string query, int k, IReadOnlyList<string> tags, float? minimum) = requests[key];
                    return ComputeRecallAsync(index, query, k, tags, minimum, token);
                },
                new CacheWarmOptions
                {
                    MaxConcurrency = Math.Max(1, Environment.ProcessorCount / 2),
                    EntryOptions = new CacheEntryOptions { Ttl = _options.RecallCacheTtl, Tags = RecallTags },
                },
                cancellationToken: stop).ConfigureAwait(false);
            result = result with { Failed = result.Failed + unreadable };
            MemoryLog.Warmed(_logger, result.Loaded, result.AlreadyCached, result.Failed, result.Elapsed);
            return result;
        }
        catch (OperationCanceledException) when (_warmingStop.IsCancellationRequested)
        {
            return default; // the memory is stopping
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The store unreachable, or the memory disposed while warming: serving goes on unwarmed.
            MemoryLog.WarmingFailed(_logger, exception);
            return default;
        }
    }
}
