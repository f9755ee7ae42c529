using System.Globalization;
using System.Runtime.CompilerServices;
using Npgsql;

namespace CortexHybrid.Memory.Stores;

public sealed partial class PostgresMemoryStore
{
    /// <summary>Changes read per statement by a change feed.</summary>
    internal const int ChangePageSize = 1024;

    /// <inheritdoc />
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="NpgsqlException">The server cannot be reached or failed the read.</exception>
    public async Task<long> ReadLastSequenceAsync(CancellationToken cancellationToken = default)
    {
        using Call call = Enter();
        return await OnConnectionAsync(
            async (connection, _, token) =>
            {
                await using NpgsqlCommand select = Command(connection, _schema.LastSequenceSql);
                return (long)(await select.ExecuteScalarAsync(token).ConfigureAwait(false))!;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// <para>
    /// Each enumeration holds a connection of its own from the data source, listening on the
    /// schema's channel (<see cref="Channel"/>), to which every write notifies its last sequence
    /// number at its commit. The feed reads the change log after the last change it yielded (pages
    /// of <see cref="ChangePageSize"/>, with the vectors of the adds), yields them, and waits for a
    /// notification of a later sequence number, or for
    /// <see cref="PostgresMemoryStoreOptions.ChangePollInterval"/>, after which it reads anyway
    /// (which also finds a connection that died silently).
    /// </para>
    /// <para>
    /// When the connection is lost (the server restarted, the backend was terminated, the network
    /// failed), the feed logs it, waits <see cref="PostgresMemoryStoreOptions.ReconnectDelay"/>
    /// (doubled after each failed attempt up to <see cref="PostgresMemoryStoreOptions.MaxReconnectDelay"/>,
    /// ±20 %), connects and listens again, and only then reads the log after the last change it
    /// yielded: whatever was committed meanwhile is read, and whatever is committed after is
    /// notified. Disposing the store ends the feed.
    /// </para>
    /// </remarks>
    /// <exception cref="InvalidDataException">An added memory's vector is not of the model's dimension (thrown by the enumeration).</exception>
    public IAsyncEnumerable<MemoryChange> ChangesAsync(long afterSequence, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        using (Enter())
        {
            return ChangesCoreAsync(afterSequence, Model.Dimensions, cancellationToken);
        }
    }

    private async IAsyncEnumerable<MemoryChange> ChangesCoreAsync(long after, int dimensions, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        CancellationToken token = linked.Token;
        var listener = new ChangeListener(this, dimensions);
        try
        {
            TimeSpan delay = _options.ReconnectDelay;
            long? lostSince = null;
            while (true)
            {
                if (token.IsCancellationRequested)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    yield break;
                }

                // Lost when the read fails, or when the wait for a notification does: the connection
                // found dead while waiting is a loss too (logged, then the delay), even if the server is
                // back by the time the next read would reconnect.
                bool lost;
                List<MemoryChange>? page = await listener.TryReadAsync(after, token).ConfigureAwait(false);
                if (page is null)
                {
                    lost = true;
                }
                else
                {
                    if (lostSince is long since)
                    {
                        PostgresStoreLog.ChangeFeedReconnected(_logger, Description, _time.GetElapsedTime(since), after);
                        lostSince = null;
                        delay = _options.ReconnectDelay;
                    }

                    foreach (MemoryChange change in page)
                    {
                        after = change.Sequence;
                        yield return change;
                    }

                    lost = page.Count < ChangePageSize && listener.Notified <= after
                        && !await listener.WaitAsync(_options.ChangePollInterval, token).ConfigureAwait(false);
                }

                if (lost && !token.IsCancellationRequested)
                {
                    lostSince ??= _time.GetTimestamp();
                    TimeSpan wait = delay * (0.8 + (0.4 * Random.Shared.NextDouble()));
                    PostgresStoreLog.ChangeFeedConnectionLost(_logger, Description, listener.Failure, wait, after);
                    await DelayAsync(wait, token).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
                }
            }
        }
        finally
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Waits, or returns early when cancelled (the caller looks at the token).</summary>
    private async Task DelayAsync(TimeSpan delay, CancellationToken token)
    {
        try
        {
            await Task.Delay(delay, _time, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// A change feed's listening connection: connects and listens when it has none, reads pages of
    /// the change log on it, waits for notifications on it, and drops it at the first failure.
    /// </summary>
    private sealed class ChangeListener(PostgresMemoryStore store, int dimensions) : IAsyncDisposable
    {
        private NpgsqlConnection? _connection;
        private long _notified;

        /// <summary>The highest sequence number notified since the connection listened.</summary>
        public long Notified => Interlocked.Read(ref _notified);

        /// <summary>Why the last attempt failed: one line, password redacted.</summary>
        public string Failure { get; private set; } = string.Empty;

        /// <summary>The changes after <paramref name="after"/> (one page), connecting and listening first when needed; null when the connection failed or the token was cancelled.</summary>
        /// <exception cref="InvalidDataException">An added memory's vector is not of the model's dimension.</exception>
        public async Task<List<MemoryChange>?> TryReadAsync(long after, CancellationToken token)
        {
            try
            {
                NpgsqlConnection connection = _connection ?? await ListenAsync(token).ConfigureAwait(false);
                await using NpgsqlCommand select = store.Command(connection, store._schema.ChangesSql);
                select.Parameters.Add(new() { Value = after });
                select.Parameters.Add(new() { Value = ChangePageSize });
                var page = new List<MemoryChange>();
                await using NpgsqlDataReader reader = await select.ExecuteReaderAsync(token).ConfigureAwait(false);
                while (await reader.ReadAsync(token).ConfigureAwait(false))
                {
                    long sequence = reader.GetInt64(0);
                    long id = reader.GetInt64(2);
                    bool added = string.Equals(reader.GetString(1), PostgresSchema.AddKind, StringComparison.Ordinal);
                    float[]? vector = added && !reader.IsDBNull(4) ? DecodeVector(id, reader.GetFieldValue<byte[]>(4), dimensions) : null;
                    page.Add(new MemoryChange(sequence, added ? MemoryChangeKind.Added : MemoryChangeKind.Deleted, id, vector, new DateTimeOffset(reader.GetFieldValue<DateTime>(3).Ticks, TimeSpan.Zero)));
                }

                return page;
            }
            catch (Exception e) when (e is not InvalidDataException)
            {
                Failure = token.IsCancellationRequested ? "cancelled" : store.Reason(e);
                await DropAsync(cleared: !token.IsCancellationRequested).ConfigureAwait(false);
                return null;
            }
        }

        /// <summary>Waits up to <paramref name="timeout"/> for a notification; false when the connection failed (it is dropped: the next read reconnects) or the token was cancelled.</summary>
        public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken token)
        {
            if (_connection is not { } connection)
            {
                return false;
            }

            try
            {
                await connection.WaitAsync(timeout, token).ConfigureAwait(false);
                return true;
            }
            catch (Exception e)
            {
                Failure = token.IsCancellationRequested ? "cancelled" : store.Reason(e);
                await DropAsync(cleared: !token.IsCancellationRequested).ConfigureAwait(false);
                return false;
            }
        }

        public ValueTask DisposeAsync() => DropAsync(cleared: false);

        /// <summary>Connects and listens before anything is read, so no commit after the read goes unnoticed.</summary>
        private async Task<NpgsqlConnection> ListenAsync(CancellationToken token)
        {
            NpgsqlConnection connection = await store._dataSource.OpenConnectionAsync(token).ConfigureAwait(false);
            try
            {
                connection.Notification += OnNotification;
                await using NpgsqlCommand listen = store.Command(connection, store._schema.ListenSql);
                await listen.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            }
            catch
            {
                connection.Notification -= OnNotification;
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            Interlocked.Exchange(ref _notified, 0);
            _connection = connection;
            return connection;
        }

        /// <summary>Closes the listening connection; <paramref name="cleared"/> after a failure, when the pool's idle connections, which lost the server too, are cleared as well.</summary>
        private async ValueTask DropAsync(bool cleared)
        {
            if (cleared)
            {
                store._dataSource.Clear();
            }

            if (Interlocked.Exchange(ref _connection, null) is { } connection)
            {
                connection.Notification -= OnNotification;
                try
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is NpgsqlException or IOException or ObjectDisposedException or InvalidOperationException)
                {
                    // A broken connection may fail to close: it is gone either way.
                }
            }
        }

        private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
        {
            if (!long.TryParse(e.Payload, NumberStyles.None, CultureInfo.InvariantCulture, out long sequence))
            {
                return;
            }

            long seen = Interlocked.Read(ref _notified);
            while (sequence > seen)
            {
                long previous = Interlocked.CompareExchange(ref _notified, sequence, seen);
                if (previous == seen)
                {
                    return;
                }

                seen = previous;
            }
        }
    }
}
