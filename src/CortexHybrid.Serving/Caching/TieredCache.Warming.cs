namespace CortexHybrid.Caching;

/// <summary>Warming: loading known keys before traffic arrives.</summary>
public sealed partial class TieredCache
{
    /// <summary>The largest <see cref="CacheWarmOptions.MaxConcurrency"/>.</summary>
    public const int MaxWarmConcurrency = 256;

    /// <summary>
    /// Loads <paramref name="keys"/> through <paramref name="factory"/>, at most
    /// <see cref="CacheWarmOptions.MaxConcurrency"/> at a time, as
    /// <see cref="GetOrCreateAsync(string, Func{CancellationToken, ValueTask{byte[]}}, CacheEntryOptions?, CancellationToken)"/>
    /// would: a key some level holds is not loaded again, and a caller asking for a key while it
    /// loads shares that factory run. Meant for start-up, before traffic; each key counts as one read
    /// in <see cref="GetStatistics"/> like any other. Duplicate keys are warmed once.
    /// </summary>
    /// <param name="keys">The keys; each is validated as it is reached (an invalid one counts as failed).</param>
    /// <param name="factory">Makes a key's value; its token is cancelled with <paramref name="cancellationToken"/>.</param>
    /// <param name="options">Concurrency and entry options; null for the defaults.</param>
    /// <param name="progress">Told after each key how far the warming has come; null for none.</param>
    /// <param name="cancellationToken">Stops the warming: keys not started are skipped and the call throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>What was loaded, found and failed. A failing factory is never fatal: it is counted, logged, and the others go on.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="keys"/> or <paramref name="factory"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="CacheWarmOptions.MaxConcurrency"/> is outside 1 to <see cref="MaxWarmConcurrency"/>, or the entry options are invalid.</exception>
    /// <exception cref="ObjectDisposedException">The cache is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<CacheWarmResult> WarmAsync(
        IEnumerable<string> keys,
        Func<string, CancellationToken, ValueTask<byte[]>> factory,
        CacheWarmOptions? options = null,
        IProgress<CacheWarmProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(factory);
        options ??= new CacheWarmOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrency, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxConcurrency, MaxWarmConcurrency, nameof(options));
        ValidateEntryOptions(options.EntryOptions);
        ThrowIfDisposed();

        long start = _time.GetTimestamp();
        // A collection is de-duplicated once, up front, so its count can be reported; a lazy sequence
        // is de-duplicated as it streams and reports no total.
        IEnumerable<string> distinct = keys.Distinct(StringComparer.Ordinal);
        int? total = null;
        if (keys.TryGetNonEnumeratedCount(out _))
        {
            string[] all = [.. distinct];
            total = all.Length;
            distinct = all;
        }

        int loaded = 0, found = 0, failed = 0, done = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(distinct, parallel, async (key, token) =>
        {
            bool ran = false;
            try
            {
                ValidateKey(key);
                await GetOrCreateAsync(
                    key,
                    t =>
                    {
                        ran = true;
                        return factory(key, t);
                    },
                    options.EntryOptions,
                    token).ConfigureAwait(false);
                Interlocked.Increment(ref ran ? ref loaded : ref found);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                throw;
            }
            catch (ObjectDisposedException) when (Volatile.Read(ref _disposed) != 0)
            {
                throw;
            }
            catch (Exception exception)
            {
                Interlocked.Increment(ref failed);
                CacheLog.WarmKeyFailed(_logger, _options.Name, exception);
            }

            progress?.Report(new CacheWarmProgress(Interlocked.Increment(ref done), total, Volatile.Read(ref failed)));
        }).ConfigureAwait(false);

        return new CacheWarmResult(loaded, found, failed, _time.GetElapsedTime(start));
    }
}
