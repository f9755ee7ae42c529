using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Npgsql;

namespace CortexHybrid.Memory.Stores;

public sealed partial class PostgresMemoryStore
{
    /// <inheritdoc />
    /// <remarks>
    /// One transaction under the schema's advisory lock: the batch's new texts in one insert of array
    /// parameters (ids and change sequence numbers in the batch's order), the texts already stored
    /// found by their SHA-256, the new memories' tags in one insert, their adds in the change log and
    /// one notification; completes after the commit. Times are stored to the millisecond, like the
    /// SQLite store.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="drafts"/> is null.</exception>
    /// <exception cref="ArgumentException">A draft is null, or its vector's length is not the model's dimension; nothing was stored.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the commit; nothing was stored.</exception>
    /// <exception cref="NpgsqlException">The server failed the transaction or cannot be reached; nothing was stored (a connection lost during the commit leaves it unknown, as with any database).</exception>
    public async Task<IReadOnlyList<StoreResult>> AddAsync(IReadOnlyList<MemoryDraft> drafts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        using Call call = Enter();
        int dimensions = Model.Dimensions;
        for (int i = 0; i < drafts.Count; i++)
        {
            MemoryDraft? draft = drafts[i];
            if (draft is null)
            {
                throw new ArgumentException($"Draft {i} is null.", nameof(drafts));
            }

            if (draft.Vector.Length != dimensions)
            {
                throw new ArgumentException($"Draft {i} has a vector of {draft.Vector.Length} values; the store's model has {dimensions} dimensions.", nameof(drafts));
            }
        }

        if (drafts.Count == 0)
        {
            return [];
        }

        cancellationToken.ThrowIfCancellationRequested();
        EncodedBatch batch = Encode(drafts);
        return await OnConnectionAsync(
            async (connection, attempt, token) =>
            {
                var results = new StoreResult[drafts.Count];
                await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(token).ConfigureAwait(false);
                var ids = new Dictionary<HashKey, long>(batch.Count);
                var added = new HashSet<HashKey>();
                long lastSequence = 0;
                await using (NpgsqlBatch insert = NewBatch(connection, transaction))
                {
                    insert.BatchCommands.Add(LockCommand());
                    insert.BatchCommands.Add(new NpgsqlBatchCommand(_schema.InsertSql)
                    {
                        Parameters =
                        {
                            new() { Value = batch.Texts },
                            new() { Value = batch.Hashes },
                            new() { Value = batch.Metadata },
                            new() { Value = batch.StoredAt },
                            new() { Value = batch.Vectors },
                        },
                    });
                    await using NpgsqlDataReader reader = await insert.ExecuteReaderAsync(token).ConfigureAwait(false);
                    await reader.NextResultAsync(token).ConfigureAwait(false);
                    while (await reader.ReadAsync(token).ConfigureAwait(false))
                    {
                        var hash = new HashKey(reader.GetFieldValue<byte[]>(1));
                        ids[hash] = reader.GetInt64(0);
                        added.Add(hash);
                        lastSequence = Math.Max(lastSequence, reader.GetInt64(2));
                    }
                }

                if (added.Count < batch.Count)
                {
                    // Stored before this batch (by any instance): the lock was taken before the insert, so they are committed.
                    byte[][] missing = [.. batch.Hashes.Where(h => !added.Contains(new HashKey(h)))];
                    await using NpgsqlCommand find = Command(connection, _schema.FindManySql, transaction);
                    find.Parameters.Add(new() { Value = missing });
                    await using NpgsqlDataReader reader = await find.ExecuteReaderAsync(token).ConfigureAwait(false);
                    while (await reader.ReadAsync(token).ConfigureAwait(false))
                    {
                        ids[new HashKey(reader.GetFieldValue<byte[]>(0))] = reader.GetInt64(1);
                    }
                }

                if (added.Count > 0)
                {
                    await using NpgsqlBatch tagsAndNotify = NewBatch(connection, transaction);
                    (long[] tagIds, int[] positions, string[] tags) = Tags(drafts, batch, ids, added);
                    if (tags.Length > 0)
                    {
                        tagsAndNotify.BatchCommands.Add(new NpgsqlBatchCommand(_schema.InsertTagsSql) { Parameters = { new() { Value = tagIds }, new() { Value = positions }, new() { Value = tags } } });
                    }

                    tagsAndNotify.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_notify($1, $2)")
                    {
                        Parameters = { new() { Value = _schema.Channel }, new() { Value = lastSequence.ToString(CultureInfo.InvariantCulture) } },
                    });
                    await tagsAndNotify.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                }

                for (int i = 0; i < drafts.Count; i++)
                {
                    int first = batch.FirstOf[i];
                    var hash = new HashKey(batch.Hashes[batch.Unique[first]]);
                    long id = ids.TryGetValue(hash, out long found) ? found : throw new InvalidOperationException($"The {Description} neither stored nor found draft {i}'s text.");
                    results[i] = new StoreResult(id, Added: first == i && added.Contains(hash));
                }

                token.ThrowIfCancellationRequested();
                attempt.Commit();
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                return (IReadOnlyList<StoreResult>)results;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>One transaction under the schema's advisory lock: the memory (and, by the foreign key, its tags), its delete in the change log and a notification. Its id is never given again.</remarks>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the commit; nothing was deleted.</exception>
    /// <exception cref="NpgsqlException">The server failed the transaction or cannot be reached.</exception>
    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        using Call call = Enter();
        cancellationToken.ThrowIfCancellationRequested();
        return await OnConnectionAsync(
            async (connection, attempt, token) =>
            {
                await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(token).ConfigureAwait(false);
                bool deleted;
                await using (NpgsqlBatch delete = NewBatch(connection, transaction))
                {
                    delete.BatchCommands.Add(LockCommand());
                    delete.BatchCommands.Add(new NpgsqlBatchCommand(_schema.DeleteSql) { Parameters = { new() { Value = id }, new() { Value = _schema.Channel } } });
                    await using NpgsqlDataReader reader = await delete.ExecuteReaderAsync(token).ConfigureAwait(false);
                    await reader.NextResultAsync(token).ConfigureAwait(false);
                    deleted = await reader.ReadAsync(token).ConfigureAwait(false);
                }

                token.ThrowIfCancellationRequested();
                if (deleted)
                {
                    attempt.Commit();
                    await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                }

                return deleted;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes the schema's advisory lock until the transaction ends: the writes of every instance
    /// commit one at a time, in sequence order. A session whose <c>synchronous_commit</c> is
    /// <c>off</c> (which acknowledges a commit before it is flushed) gets <c>on</c> for the
    /// transaction, so an acknowledged write is durable; any other setting is left as configured.
    /// </summary>
    private NpgsqlBatchCommand LockCommand() =>
        new("SELECT pg_advisory_xact_lock($1, $2), CASE WHEN current_setting('synchronous_commit') = 'off' THEN set_config('synchronous_commit', 'on', true) END")
        {
            Parameters = { new() { Value = PostgresSchema.LockClass }, new() { Value = _schema.LockKey } },
        };

    /// <summary>The array parameters of a batch's distinct texts, in order of first appearance.</summary>
    private static EncodedBatch Encode(IReadOnlyList<MemoryDraft> drafts)
    {
        var first = new Dictionary<string, int>(drafts.Count, StringComparer.Ordinal);
        int[] firstOf = new int[drafts.Count];
        var unique = new List<int>(drafts.Count);
        int[] uniqueIndex = new int[drafts.Count];
        for (int i = 0; i < drafts.Count; i++)
        {
            if (first.TryGetValue(drafts[i].Text, out int earlier))
            {
                firstOf[i] = earlier;
                continue;
            }

            first[drafts[i].Text] = i;
            firstOf[i] = i;
            uniqueIndex[i] = unique.Count;
            unique.Add(i);
        }

        int count = unique.Count;
        string[] texts = new string[count];
        byte[][] hashes = new byte[count][];
        string[] metadata = new string[count];
        DateTime[] storedAt = new DateTime[count];
        byte[][] vectors = new byte[count][];
        var json = new ArrayBufferWriter<byte>(256);
        using var writer = new Utf8JsonWriter(json);
        for (int u = 0; u < count; u++)
        {
            MemoryDraft draft = drafts[unique[u]];
            texts[u] = draft.Text;
            hashes[u] = MemoryCodec.HashText(draft.Text);
            metadata[u] = MemoryCodec.WriteMetadata(draft.Metadata, writer, json);
            long milliseconds = draft.StoredAt.ToUnixTimeMilliseconds();
            storedAt[u] = DateTime.UnixEpoch.AddMilliseconds(milliseconds);
            vectors[u] = new byte[draft.Vector.Length * sizeof(float)];
            MemoryCodec.WriteVector(draft.Vector.Span, vectors[u]);
        }

        return new EncodedBatch(texts, hashes, metadata, storedAt, vectors, firstOf, uniqueIndex);
    }

    /// <summary>The tags of the drafts this batch added, as three parallel arrays.</summary>
    private static (long[] Ids, int[] Positions, string[] Tags) Tags(IReadOnlyList<MemoryDraft> drafts, EncodedBatch batch, Dictionary<HashKey, long> ids, HashSet<HashKey> added)
    {
        var tagIds = new List<long>();
        var positions = new List<int>();
        var tags = new List<string>();
        for (int i = 0; i < drafts.Count; i++)
        {
            if (batch.FirstOf[i] != i)
            {
                continue;
            }

            var hash = new HashKey(batch.Hashes[batch.Unique[i]]);
            if (!added.Contains(hash))
            {
                continue;
            }

            IReadOnlyList<string> draftTags = drafts[i].Tags;
            for (int position = 0; position < draftTags.Count; position++)
            {
                tagIds.Add(ids[hash]);
                positions.Add(position);
                tags.Add(draftTags[position]);
            }
        }

        return ([.. tagIds], [.. positions], [.. tags]);
    }

    /// <summary>A batch's distinct drafts as the insert's array parameters.</summary>
    /// <param name="Texts">The distinct texts, in order of first appearance.</param>
    /// <param name="Hashes">Their SHA-256.</param>
    /// <param name="Metadata">Their metadata's JSON.</param>
    /// <param name="StoredAt">Their times (UTC, to the millisecond).</param>
    /// <param name="Vectors">Their vectors' little-endian float32 bytes.</param>
    /// <param name="FirstOf">For each draft, the index of the first draft of its text.</param>
    /// <param name="Unique">For each draft that is the first of its text, its index in the arrays.</param>
    private sealed record EncodedBatch(string[] Texts, byte[][] Hashes, string[] Metadata, DateTime[] StoredAt, byte[][] Vectors, int[] FirstOf, int[] Unique)
    {
        public int Count => Texts.Length;
    }

    /// <summary>A text hash as a dictionary key (by content).</summary>
    private readonly struct HashKey(byte[] hash) : IEquatable<HashKey>
    {
        private readonly byte[] _hash = hash;

        public bool Equals(HashKey other) => _hash.AsSpan().SequenceEqual(other._hash);

        public override bool Equals(object? obj) => obj is HashKey other && Equals(other);

        public override int GetHashCode() => BitConverter.ToInt32(_hash, 0);
    }
}
