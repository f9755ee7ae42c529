using System.Buffers;
using System.Threading.Channels;

namespace CortexHybrid.Search;

/// <summary>
/// Coalesces concurrent <see cref="SearchAsync"/> calls into <see cref="VectorIndex.SearchBatch"/>
/// passes of up to <c>maxBatchSize</c> queries, so many callers share each read of the rows.
/// </summary>
/// <remarks>
/// One loop takes the queued queries, up to the batch size, runs them as one batch and completes
/// each caller with its own top k (the batch runs at the largest k asked; a smaller k is a prefix
/// of it, because the order is total). Queries that arrive while a batch runs form the next one,
/// so under load batches fill by themselves; <c>maxDelay</c> (default zero) additionally holds a
/// batch open for stragglers. A caller cancelled before its batch runs is dropped from it; one
/// cancelled later gets its cancellation and the others their results.
/// </remarks>
public sealed class QueryBatcher : IAsyncDisposable
{
    private readonly VectorIndex _index;
    private readonly int _maxBatchSize;
    private readonly TimeSpan _maxDelay;
    private readonly TimeProvider _time;
    private readonly Channel<Request> _queue = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private long _batches;
    private long _queries;

    /// <summary>Starts a batcher over <paramref name="index"/>.</summary>
    /// <param name="index">The index to search; not owned (dispose it after the batcher).</param>
    /// <param name="maxBatchSize">Queries per batch, 1 to 256; 16 fills one pass of the native kernel.</param>
    /// <param name="maxDelay">How long a batch waits for more queries once the first arrives; null for none.</param>
    /// <param name="timeProvider">The clock for <paramref name="maxDelay"/>; null for <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="index"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBatchSize"/> or <paramref name="maxDelay"/> is out of range.</exception>
    public QueryBatcher(VectorIndex index, int maxBatchSize = 16, TimeSpan? maxDelay = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBatchSize, 256);
        TimeSpan delay = maxDelay ?? TimeSpan.Zero;
        if (delay < TimeSpan.Zero || delay > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(maxDelay), delay, "maxDelay must be from zero to one second.");
        }

        _index = index;
        _maxBatchSize = maxBatchSize;
        _maxDelay = delay;
        _time = timeProvider ?? TimeProvider.System;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Batches run so far.</summary>
    public long BatchCount => Interlocked.Read(ref _batches);

    /// <summary>Queries answered so far (in <see cref="BatchCount"/> batches).</summary>
    public long QueryCount => Interlocked.Read(ref _queries);

    /// <summary>The <paramref name="k"/> nearest stored vectors to <paramref name="query"/>, as <see cref="VectorIndex.Search(ReadOnlySpan{float}, int)"/> returns them.</summary>
    /// <param name="query"><see cref="VectorIndex.Dimension"/> finite floats; copied before this returns.</param>
    /// <param name="k">How many, at least 1.</param>
    /// <param name="cancellationToken">Cancels this caller's wait (and drops its query if its batch has not run).</param>
    /// <returns>The hits, best first.</returns>
    /// <exception cref="ArgumentException">The query's length is not the index's dimension, or it holds a NaN or an infinity.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is below 1.</exception>
    /// <exception cref="ObjectDisposedException">The batcher is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public ValueTask<SearchResult[]> SearchAsync(ReadOnlyMemory<float> query, int k, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (query.Length != _index.Dimension)
        {
            throw new ArgumentException($"The query has {query.Length} floats; the index's dimension is {_index.Dimension}.", nameof(query));
        }

        int bad = VectorChecks.IndexOfNonFinite(query.Span);
        if (bad >= 0)
        {
            throw new ArgumentException($"The query holds {query.Span[bad]} at element {bad}: queries must be finite.", nameof(query));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<SearchResult[]>(cancellationToken);
        }

        var request = new Request(query.ToArray(), k, cancellationToken);
        if (!_queue.Writer.TryWrite(request))
        {
            request.Dispose();
            throw new ObjectDisposedException(nameof(QueryBatcher));
        }

        return new ValueTask<SearchResult[]>(request.Completion.Task);
    }

    /// <summary>Stops taking queries, answers every query already queued, then stops the loop.</summary>
    /// <returns>A task that completes when the loop has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var batch = new List<Request>(_maxBatchSize);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            Take(batch);
            if (batch.Count < _maxBatchSize && _maxDelay > TimeSpan.Zero)
            {
                await Task.Delay(_maxDelay, _time).ConfigureAwait(false);
                Take(batch);
            }

            Run(batch);
            batch.Clear();
        }
    }

    /// <summary>Moves queued requests into the batch, up to its size, skipping those already cancelled.</summary>
    private void Take(List<Request> batch)
    {
        while (batch.Count < _maxBatchSize && _queue.Reader.TryRead(out Request? request))
        {
            if (request.Completion.Task.IsCompleted)
            {
                request.Dispose();
            }
            else
            {
                batch.Add(request);
            }
        }
    }

    private void Run(List<Request> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        int dimension = _index.Dimension;
        float[] queries = ArrayPool<float>.Shared.Rent(batch.Count * dimension);
        int k = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            batch[i].Query.CopyTo(queries.AsSpan(i * dimension, dimension));
            k = Math.Max(k, batch[i].K);
        }

        try
        {
            SearchResult[][] results = _index.SearchBatch(queries.AsSpan(0, batch.Count * dimension), k);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _queries, batch.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                SearchResult[] hits = results[i];
                batch[i].Completion.TrySetResult(hits.Length > batch[i].K ? hits[..batch[i].K] : hits);
            }
        }
        catch (Exception exception)
        {
            // Queries were checked when queued; what fails here (a disposed index) fails them all.
            foreach (Request request in batch)
            {
                request.Completion.TrySetException(exception);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(queries);
            foreach (Request request in batch)
            {
                request.Dispose();
            }
        }
    }

    private sealed class Request : IDisposable
    {
        private readonly CancellationTokenRegistration _registration;

        public Request(float[] query, int k, CancellationToken cancellationToken)
        {
            Query = query;
            K = k;
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.Register(
                    static state =>
                    {
                        var (completion, token) = ((TaskCompletionSource<SearchResult[]>, CancellationToken))state!;
                        completion.TrySetCanceled(token);
                    },
                    (Completion, cancellationToken));
            }
        }

        public float[] Query { get; }

        public int K { get; }

        public TaskCompletionSource<SearchResult[]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Dispose() => _registration.Dispose();
    }
}
