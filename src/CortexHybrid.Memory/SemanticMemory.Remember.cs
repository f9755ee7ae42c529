using CortexHybrid.Memory.Stores;
using CortexHybrid.Metrics;
using CortexHybrid.Search;

namespace CortexHybrid.Memory;

/// <summary>Remembering and forgetting.</summary>
public sealed partial class SemanticMemory
{
    /// <summary>
    /// Remembers <paramref name="text"/> with its tags and metadata; a text already stored is not
    /// stored again (its existing id comes back, with <see cref="RememberResult.Added"/> false).
    /// </summary>
    /// <param name="text">The text: not empty, at most <see cref="SemanticMemoryOptions.MaxTextBytes"/> of UTF-8; leading and trailing white space is dropped.</param>
    /// <param name="tags">Tags to filter recalls by; null for none.</param>
    /// <param name="metadata">String keys and values kept with the memory; null for none.</param>
    /// <param name="cancellationToken">Cancels the call before the store commits.</param>
    /// <returns>The memory's id, and whether it was added now.</returns>
    /// <exception cref="InvalidMemoryInputException">The text, a tag or the metadata breaks a limit; nothing was stored.</exception>
    /// <exception cref="InvalidOperationException">The memory is not open.</exception>
    /// <exception cref="ObjectDisposedException">The memory is disposed.</exception>
    /// <remarks>When the task completes the memory is durable in the store and recallable.</remarks>
    public async Task<RememberResult> RememberAsync(
        string text,
        IReadOnlyList<string>? tags = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        VectorIndex index = OpenIndex();
        using RequestTimer timer = _monitor.StartRequest(RememberOperation);
        try
        {
            MemoryInput input = Validate(new MemoryInput(text, tags, metadata), 0, single: true);
            if (await _store.FindByTextAsync(input.Text, cancellationToken).ConfigureAwait(false) is long existing)
            {
                return new RememberResult(existing, Added: false);
            }

            long embedStart = _time.GetTimestamp();
            float[][] vectors = await EmbedAsync([input.Text], cancellationToken).ConfigureAwait(false);
            _monitor.RecordStage(EmbedStage, _time.GetElapsedTime(embedStart));
            IReadOnlyList<StoreResult> stored = await StoreAsync(index, [input], vectors, cancellationToken).ConfigureAwait(false);
            return new RememberResult(stored[0].Id, stored[0].Added);
        }
        catch (Exception exception)
        {
            timer.Fail(FailureCategory(exception, cancellationToken));
            throw;
        }
    }

    /// <summary>
    /// Remembers many texts, embedding them in batches of <see cref="SemanticMemoryOptions.IngestBatchSize"/>
    /// on every encoder the generator has, each batch stored in one transaction. Texts already
    /// stored (or repeated in <paramref name="inputs"/>) are not stored again.
    /// </summary>
    /// <param name="inputs">The texts with their tags and metadata.</param>
    /// <param name="progress">Told how many inputs are stored so far; null for none.</param>
    /// <param name="cancellationToken">Stops between batches; the batches stored by then stay stored.</param>
    /// <returns>One result per input, in order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="inputs"/> is null.</exception>
    /// <exception cref="InvalidMemoryInputException">An input breaks a limit (the message names its index); nothing was stored.</exception>
    /// <exception cref="InvalidOperationException">The memory is not open.</exception>
    /// <exception cref="ObjectDisposedException">The memory is disposed.</exception>
    public async Task<IReadOnlyList<RememberResult>> RememberManyAsync(
        IReadOnlyList<MemoryInput> inputs,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        VectorIndex index = OpenIndex();
        var valid = new MemoryInput[inputs.Count];
        for (int i = 0; i < valid.Length; i++)
        {
            valid[i] = Validate(inputs[i] ?? throw new InvalidMemoryInputException($"inputs[{i}] is null.", nameof(inputs)), i, single: false);
        }

        var results = new RememberResult[valid.Length];
        int batch = _options.IngestBatchSize;
        int done = 0;

        // Embedding is the slow part: up to two batches in flight per processor keep every encoder
        // busy while the previous batch is stored.
        int inFlight = Math.Max(2, 2 * Environment.ProcessorCount);
        var embedding = new Queue<(int Start, int Count, Task<float[][]> Vectors)>();
        int next = 0;
        try
        {
            await IngestAsync().ConfigureAwait(false);
        }
        catch
        {
            // Batches still embedding are awaited (and their failures observed) before this throws.
            foreach ((_, _, Task<float[][]> pending) in embedding)
            {
                await pending.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            }

            throw;
        }

        return results;

        async Task IngestAsync()
        {
            while (next < valid.Length || embedding.Count > 0)
            {
                while (next < valid.Length && embedding.Count < inFlight)
                {
                    int count = Math.Min(batch, valid.Length - next);
                    string[] texts = [.. valid.AsSpan(next, count).ToArray().Select(v => v.Text)];
                    embedding.Enqueue((next, count, EmbedAsync(texts, cancellationToken)));
                    next += count;
                }

                (int start, int length, Task<float[][]> pending) = embedding.Dequeue();
                float[][] vectors = await pending.ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                IReadOnlyList<StoreResult> stored = await StoreAsync(index, valid.AsSpan(start, length).ToArray(), vectors, cancellationToken).ConfigureAwait(false);
                for (int i = 0; i < length; i++)
                {
                    results[start + i] = new RememberResult(stored[i].Id, stored[i].Added);
                }

                done += length;
                progress?.Report(done);
            }
        }
    }

    /// <summary>Forgets the memory with <paramref name="id"/>: gone from the store, the index and every cached recall.</summary>
    /// <param name="id">The memory's id.</param>
    /// <param name="cancellationToken">Cancels the call before the store commits.</param>
    /// <returns>False when no memory has that id.</returns>
    /// <exception cref="InvalidOperationException">The memory is not open.</exception>
    /// <exception cref="ObjectDisposedException">The memory is disposed.</exception>
    public async Task<bool> ForgetAsync(long id, CancellationToken cancellationToken = default)
    {
        VectorIndex index = OpenIndex();
        using RequestTimer timer = _monitor.StartRequest(ForgetOperation);
        try
        {
            await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!await _store.DeleteAsync(id, cancellationToken).ConfigureAwait(false))
                {
                    timer.Fail(NotFoundCategory);
                    return false;
                }

                RemoveFromIndex(index, id);
                Interlocked.Increment(ref _generation);
            }
            finally
            {
                _writeGate.Release();
            }

            return true;
        }
        catch (Exception exception)
        {
            timer.Fail(FailureCategory(exception, cancellationToken));
            throw;
        }
    }

    /// <summary>
    /// Forgets every memory carrying <paramref name="tag"/>: each gone from the store, the index
    /// and every cached recall, as <see cref="ForgetAsync"/> would, under one hold of the write gate.
    /// </summary>
    /// <param name="tag">The tag: 1 to <see cref="SemanticMemoryOptions.MaxTagLength"/> characters once trimmed.</param>
    /// <param name="cancellationToken">
    /// Cancels the call between deletes: those committed stay forgotten (and out of every recall),
    /// the rest stay; calling again forgets them.
    /// </param>
    /// <returns>The ids forgotten, ascending; empty when no memory carries the tag.</returns>
    /// <exception cref="InvalidMemoryInputException">The tag is empty, too long or holds a control character.</exception>
    /// <exception cref="InvalidOperationException">The memory is not open.</exception>
    /// <exception cref="ObjectDisposedException">The memory is disposed.</exception>
    /// <remarks>
    /// One delete per memory, each its own commit: over a shared store, each is a change every other
    /// instance applies to its index (and its cached recalls) as it commits. A memory another
    /// instance forgets meanwhile is left out of the ids returned.
    /// </remarks>
    public async Task<IReadOnlyList<long>> ForgetTaggedAsync(string tag, CancellationToken cancellationToken = default)
    {
        VectorIndex index = OpenIndex();
        using RequestTimer timer = _monitor.StartRequest(ForgetTaggedOperation);
        try
        {
            string only = _rules.Tags([tag], "tag")[0];
            await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            var forgotten = new List<long>();
            try
            {
                IReadOnlySet<long> ids = await _store.IdsWithAllTagsAsync([only], cancellationToken).ConfigureAwait(false);
                foreach (long id in ids.Order())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (!await _store.DeleteAsync(id, cancellationToken).ConfigureAwait(false))
                    {
                        continue; // forgotten by another instance since the ids were read
                    }

                    forgotten.Add(id);
                    RemoveFromIndex(index, id);
                }
            }
            finally
            {
                // Also when cancelled or failed part-way: what was deleted must not be recalled from the cache.
                if (forgotten.Count > 0)
                {
                    Interlocked.Increment(ref _generation);
                }

                _writeGate.Release();
            }

            return forgotten;
        }
        catch (Exception exception)
        {
            timer.Fail(FailureCategory(exception, cancellationToken));
            throw;
        }
    }

    /// <summary>Stores validated, embedded inputs and adds the new ones to the index, as one write.</summary>
    private async Task<IReadOnlyList<StoreResult>> StoreAsync(VectorIndex index, IReadOnlyList<MemoryInput> inputs, float[][] vectors, CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        var drafts = new MemoryDraft[inputs.Count];
        for (int i = 0; i < drafts.Length; i++)
        {
            drafts[i] = new MemoryDraft(inputs[i].Text, inputs[i].Tags!, inputs[i].Metadata!, vectors[i], now);
        }

        long start = _time.GetTimestamp();
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            IReadOnlyList<StoreResult> stored = await _store.AddAsync(drafts, cancellationToken).ConfigureAwait(false);
            int added = 0;
            for (int i = 0; i < stored.Count; i++)
            {
                if (stored[i].Added)
                {
                    index.Add(stored[i].Id, vectors[i]);
                    added++;
                }
            }

            if (added > 0)
            {
                Interlocked.Add(ref _count, added);
                Interlocked.Increment(ref _generation);
            }

            return stored;
        }
        finally
        {
            _writeGate.Release();
            _monitor.RecordStage(StoreStage, _time.GetElapsedTime(start));
        }
    }

    /// <summary>The input with its text trimmed and its tags and metadata checked; index &gt; 0 or !single names it in messages.</summary>
    private MemoryInput Validate(MemoryInput input, int index, bool single)
    {
        string prefix = single ? "" : $"inputs[{index}].";
        return new MemoryInput(
            _rules.Text(input.Text, prefix + "text"),
            _rules.Tags(input.Tags, prefix + "tags"),
            _rules.Metadata(input.Metadata, prefix + "metadata"));
    }

    /// <summary>
    /// Removes <paramref name="id"/> from the index and counts it out; false if the index did not
    /// hold it (over a shared store, another instance's memory whose add this replica has not
    /// applied yet): the count follows the index, not the store.
    /// </summary>
    private bool RemoveFromIndex(VectorIndex index, long id)
    {
        if (!index.Remove(id))
        {
            return false;
        }

        Interlocked.Decrement(ref _count);
        return true;
    }
}
