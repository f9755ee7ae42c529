using CortexHybrid.Memory.Stores;
using CortexHybrid.Search;

namespace CortexHybrid.Memory;

/// <summary>Keeping the index a replica of a shared store: the changes other instances commit.</summary>
public sealed partial class SemanticMemory
{
    /// <summary>The first wait before following the change feed again after it failed; doubled up to <see cref="MaxReplicaRetryDelay"/>.</summary>
    private static readonly TimeSpan ReplicaRetryDelay = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan MaxReplicaRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>Cancelled by <see cref="DisposeAsync"/>: stops following the feed.</summary>
    private readonly CancellationTokenSource _replicaStop = new();

    /// <summary>Following the store's change feed, when the store is one; null otherwise.</summary>
    private Task? _replica;

    /// <summary>The sequence number of the last change applied; -1 when the store is not a change feed.</summary>
    private long _appliedSequence = -1;

    /// <summary>
    /// The sequence number of the last change of the store's change feed (<see cref="IMemoryChangeFeed"/>)
    /// that the index has applied, whichever instance wrote it; null when the store is not a change
    /// feed (the embedded SQLite store) or the memory is not open.
    /// </summary>
    /// <remarks>
    /// Read when the memory opens (before the index is loaded), then advanced by every change the
    /// memory applies: a memory another instance remembered is added to the index (its vector read
    /// from the store), one it forgot removed, and either makes every cached recall response
    /// unreachable, as a local write does. After a lost connection the feed catches up on every
    /// change after this number.
    /// </remarks>
    public long? AppliedChangeSequence => Interlocked.Read(ref _appliedSequence) is long sequence and >= 0 ? sequence : null;

    /// <summary>The sequence to follow the store's change feed from: its last one, read before the index loads, so nothing committed meanwhile is missed.</summary>
    private async Task<long> ReplicaStartAsync(CancellationToken cancellationToken) =>
        _store is IMemoryChangeFeed feed ? await feed.ReadLastSequenceAsync(cancellationToken).ConfigureAwait(false) : -1;

    /// <summary>Starts following the store's change feed after <paramref name="sequence"/>, when it is one.</summary>
    private void StartReplica(VectorIndex index, long sequence)
    {
        if (_store is not IMemoryChangeFeed feed)
        {
            return;
        }

        Interlocked.Exchange(ref _appliedSequence, sequence);
        CancellationToken token = _replicaStop.Token;
        _replica = Task.Run(() => FollowAsync(feed, index, token), CancellationToken.None);
    }

    /// <summary>Stops following the feed and waits for the change being applied.</summary>
    private async Task StopReplicaAsync()
    {
        await _replicaStop.CancelAsync().ConfigureAwait(false);
        if (_replica is Task replica)
        {
            await replica.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _replicaStop.Dispose();
    }

    /// <summary>
    /// Applies the feed's changes until stopped. The feed reconnects by itself; any other failure
    /// (a change that cannot be applied is skipped, so this is the feed itself failing) is logged
    /// and the feed followed again, after a growing delay, from the last change applied.
    /// </summary>
    private async Task FollowAsync(IMemoryChangeFeed feed, VectorIndex index, CancellationToken cancellationToken)
    {
        TimeSpan delay = ReplicaRetryDelay;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (MemoryChange change in feed.ChangesAsync(Interlocked.Read(ref _appliedSequence), cancellationToken).ConfigureAwait(false))
                {
                    await ApplyAsync(index, change, cancellationToken).ConfigureAwait(false);
                    delay = ReplicaRetryDelay;
                }

                // The feed ends when the store is disposed: nothing more to follow.
                return;
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (Exception exception)
            {
                MemoryLog.ReplicaFeedFailed(_logger, _store.Description, exception.GetType().Name, exception.Message, delay, Interlocked.Read(ref _appliedSequence));
            }

            try
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReplicaRetryDelay.Ticks));
        }
    }

    /// <summary>
    /// Applies one change under the write gate, idempotently: an add of an id the index holds (this
    /// instance's own write, or one the index loaded) and a delete of an id it does not hold change
    /// nothing; anything else changes the index and the count and advances the generation.
    /// </summary>
    private async Task ApplyAsync(VectorIndex index, MemoryChange change, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            bool changed = false;
            switch (change.Kind)
            {
                case MemoryChangeKind.Added when change.Vector is float[] vector && !index.Contains(change.Id):
                    try
                    {
                        index.Add(change.Id, vector);
                        Interlocked.Increment(ref _count);
                        changed = true;
                    }
                    catch (ArgumentException exception)
                    {
                        // Not of the model's dimension, or not finite: not recallable, and not a reason to stop following.
                        MemoryLog.ReplicaChangeSkipped(_logger, change.Id, change.Sequence, exception.Message);
                    }

                    break;
                case MemoryChangeKind.Deleted when RemoveFromIndex(index, change.Id):
                    changed = true;
                    break;
            }

            if (changed)
            {
                Interlocked.Increment(ref _generation);
            }

            Interlocked.Exchange(ref _appliedSequence, change.Sequence);
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
