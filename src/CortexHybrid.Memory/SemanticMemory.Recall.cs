using System.Text.Json;
using CortexHybrid.Caching;
using CortexHybrid.Search;

namespace CortexHybrid.Memory;

/// <summary>Recalling.</summary>
public sealed partial class SemanticMemory
{
    private static readonly string[] RecallTags = ["recall"];

    /// <summary>
    /// The memories closest in meaning to <paramref name="query"/>, best first: the exact top
    /// <paramref name="k"/> by cosine similarity among all memories, or among those carrying every
    /// one of <paramref name="tags"/>, without those scoring under <paramref name="minScore"/>.
    /// </summary>
    /// <param name="query">What to recall: not empty, at most <see cref="SemanticMemoryOptions.MaxTextBytes"/> of UTF-8.</param>
    /// <param name="k">How many memories at most, 1 to <see cref="SemanticMemoryOptions.MaxRecall"/>; default 5.</param>
    /// <param name="tags">Only memories carrying all of these tags; null or empty for all.</param>
    /// <param name="minScore">Only memories scoring at least this, -1 to 1; null for no minimum.</param>
    /// <param name="cancellationToken">Stops this caller's wait.</param>
    /// <returns>The hits, best first (ties by the smaller id).</returns>
    /// <exception cref="InvalidMemoryInputException">The query, k, a tag or the minimum score is out of range.</exception>
    /// <exception cref="InvalidOperationException">The memory is not open.</exception>
    /// <exception cref="ObjectDisposedException">The memory is disposed.</exception>
    /// <remarks>
    /// A repeated query (the same after trimming, collapsing white space and, for uncased models,
    /// lowercasing; with the same k, tags and minimum score, and no remember or forget since) is
    /// answered from the cache; a query whose text was embedded before reuses that embedding.
    /// Concurrent identical recalls share one computation.
    /// </remarks>
    public async Task<IReadOnlyList<RecallHit>> RecallAsync(
        string query,
        int k = 5,
        IReadOnlyList<string>? tags = null,
        float? minScore = null,
        CancellationToken cancellationToken = default)
    {
        VectorIndex index = OpenIndex();
        long start = _time.GetTimestamp();
        bool cached = false;
        try
        {
            string text = _rules.Text(query, "query");
            int count = _rules.Count(k, _options.MaxRecall, "k");
            IReadOnlyList<string> filter = _rules.Tags(tags, "tags");
            float? minimum = _rules.MinimumScore(minScore, "minScore");
            string normalized = QueryKeys.Normalize(text, _foldCase);
            string key = QueryKeys.Response(normalized, count, filter, minimum, Volatile.Read(ref _generation));

            byte[]? response = await _cache.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (response is not null)
            {
                cached = true;
                Interlocked.Increment(ref _recallsCached);
            }
            else
            {
                response = await _cache.GetOrCreateAsync(
                    key,
                    token => ComputeRecallAsync(index, normalized, count, filter, minimum, token),
                    new CacheEntryOptions { Ttl = _options.RecallCacheTtl, Tags = RecallTags },
                    cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _recallsComputed);
            }

            RecallHit[] hits = JsonSerializer.Deserialize(response, MemoryJsonContext.Default.RecallHitArray)!;
            RecordRecall(normalized, count, filter, minimum);
            _monitor.RecordResponseTime(_time.GetElapsedTime(start), cached ? CachedRecallOperation : UncachedRecallOperation);
            return hits;
        }
        catch (Exception exception)
        {
            string category = FailureCategory(exception, cancellationToken);
            _monitor.RecordResponseTime(_time.GetElapsedTime(start), cached ? CachedRecallOperation : UncachedRecallOperation);
            _monitor.RecordError(category);
            throw;
        }
    }

    /// <summary>Embeds (or reuses the embedding of) the query, searches, filters and fetches: the response bytes to cache.</summary>
    private async ValueTask<byte[]> ComputeRecallAsync(VectorIndex index, string normalized, int k, IReadOnlyList<string> tags, float? minimum, CancellationToken cancellationToken)
    {
        float[] vector = await QueryEmbeddingAsync(normalized, cancellationToken).ConfigureAwait(false);

        IReadOnlySet<long>? candidates = null;
        if (tags.Count > 0)
        {
            long filterStart = _time.GetTimestamp();
            candidates = await _store.IdsWithAllTagsAsync(tags, cancellationToken).ConfigureAwait(false);
            _monitor.RecordStage(FilterStage, _time.GetElapsedTime(filterStart));
        }

        long searchStart = _time.GetTimestamp();
        SearchResult[] found = candidates is null
            ? await _batcher!.SearchAsync(vector, k, cancellationToken).ConfigureAwait(false)
            : candidates.Count == 0 ? [] : index.Search(vector, k, candidates);
        _monitor.RecordStage(SearchStage, _time.GetElapsedTime(searchStart));

        var kept = new List<SearchResult>(found.Length);
        foreach (SearchResult hit in found)
        {
            if (minimum is not float floor || hit.Score >= floor)
            {
                kept.Add(hit);
            }
        }

        RecallHit[] hits = [];
        if (kept.Count > 0)
        {
            long fetchStart = _time.GetTimestamp();
            IReadOnlyList<MemoryRecord> records = await _store.GetAsync(kept.ConvertAll(h => h.Id), cancellationToken).ConfigureAwait(false);
            _monitor.RecordStage(FetchStage, _time.GetElapsedTime(fetchStart));
            var byId = new Dictionary<long, MemoryRecord>(records.Count);
            foreach (MemoryRecord record in records)
            {
                byId[record.Id] = record;
            }

            // A memory forgotten while this recall ran is left out rather than returned half-known.
            hits = [.. kept.Where(h => byId.ContainsKey(h.Id)).Select(h =>
            {
                MemoryRecord r = byId[h.Id];
                return new RecallHit(r.Id, h.Score, r.Text, r.Tags, r.Metadata, r.StoredAt);
            })];
        }

        return JsonSerializer.SerializeToUtf8Bytes(hits, MemoryJsonContext.Default.RecallHitArray);
    }

    /// <summary>The embedding of a normalized query: from the cache, or from the model and then cached.</summary>
    private async Task<float[]> QueryEmbeddingAsync(string normalized, CancellationToken cancellationToken)
    {
        string key = QueryKeys.Embedding(normalized);
        byte[]? bytes = await _embeddingCache.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (bytes is not null)
        {
            Interlocked.Increment(ref _embeddingsReused);
            return QueryKeys.FromBytes(bytes);
        }

        long start = _time.GetTimestamp();
        bytes = await _embeddingCache.GetOrCreateAsync(
            key,
            async token =>
            {
                float[][] vectors = await EmbedAsync([normalized], token).ConfigureAwait(false);
                Interlocked.Increment(ref _embeddingsComputed);
                return QueryKeys.ToBytes(vectors[0]);
            },
            new CacheEntryOptions { Ttl = _options.EmbeddingCacheTtl },
            cancellationToken).ConfigureAwait(false);
        _monitor.RecordStage(EmbedStage, _time.GetElapsedTime(start));
        return QueryKeys.FromBytes(bytes);
    }
}
