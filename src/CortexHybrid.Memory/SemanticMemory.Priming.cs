using System.Text.Json;
using CortexHybrid.Search;

namespace CortexHybrid.Memory;

/// <summary>Running a recall's stages once at open, on throwaway input, so the first real recall does not pay for them.</summary>
public sealed partial class SemanticMemory
{
    /// <summary>The text, tag and metadata of the throwaway hit (a tag no memory needs to have).</summary>
    private const string Primer = "cortex-primer";

    /// <summary>
    /// Runs each stage of a recall that finds something once, before the memory serves: a search
    /// through the memory's kernel over a one-row scratch index (the native library loaded, the
    /// search, filtered search and top-k paths compiled), a fetch of an id no memory has and a tag
    /// filter (the store's statements prepared, their read paths compiled) and the round trip of a response through JSON.
    /// </summary>
    /// <remarks>
    /// Without it the first recall that finds a memory pays for all of that: in the three-instance
    /// test, 140–160 ms on each instance for the first memory another instance remembered, against
    /// 3–20 ms for every later one, which put the first change after start past the 250 ms
    /// propagation bound. A failure here changes nothing the memory serves (the store was just
    /// opened; a real fetch reports its own failure): it is logged and the opening goes on.
    /// </remarks>
    private async Task PrimeRecallAsync(CancellationToken cancellationToken)
    {
        try
        {
            var vector = new float[_model.Dimensions];
            vector[0] = 1;
            using (var scratch = new VectorIndex(_model.Dimensions, SimilarityMetric.Cosine, _kernel, _options.IndexOptions))
            {
                scratch.SignPrefilter = _options.IndexSignPrefilter;
                scratch.Add(1, vector);
                _ = scratch.Search(vector, 1);
                _ = scratch.Search(vector, 1, new HashSet<long> { 1 });
            }

            _ = await _store.GetAsync([long.MaxValue], cancellationToken).ConfigureAwait(false);
            _ = await _store.IdsWithAllTagsAsync([Primer], cancellationToken).ConfigureAwait(false);
            RecallHit[] hits = [new RecallHit(1, 1, Primer, [Primer], new Dictionary<string, string> { [Primer] = Primer }, _time.GetUtcNow())];
            _ = JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(hits, MemoryJsonContext.Default.RecallHitArray), MemoryJsonContext.Default.RecallHitArray);
        }
        catch (Exception exception) when (exception is not OperationCanceledException and not OutOfMemoryException)
        {
            MemoryLog.PrimingFailed(_logger, _store.Description, exception.GetType().Name, exception.Message);
        }
    }
}
