using System.Runtime.CompilerServices;
using Npgsql;

namespace CortexHybrid.Memory.Stores;

public sealed partial class PostgresMemoryStore
{
    /// <summary>Vectors read per statement by <see cref="ReadVectorsAsync"/>, each page on a connection held only while it is read.</summary>
    internal const int VectorPageSize = 1024;

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="NpgsqlException">The server cannot be reached or failed the read.</exception>
    public async Task<long?> FindByTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        using Call call = Enter();
        byte[] hash = MemoryCodec.HashText(text);
        return await OnConnectionAsync(
            async (connection, _, token) =>
            {
                await using NpgsqlCommand find = Command(connection, _schema.FindSql);
                find.Parameters.Add(new() { Value = hash });
                return await find.ExecuteScalarAsync(token).ConfigureAwait(false) is long id ? id : (long?)null;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>One statement for any number of ids (an array parameter; duplicates count once), each record with its tags in the order given and its metadata.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="ids"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="NpgsqlException">The server cannot be reached or failed the read.</exception>
    /// <exception cref="InvalidDataException">A record's metadata is not the JSON the store writes.</exception>
    public async Task<IReadOnlyList<MemoryRecord>> GetAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        using Call call = Enter();
        if (ids.Count == 0)
        {
            return [];
        }

        long[] wanted = [.. ids.Distinct()];
        return await OnConnectionAsync(
            async (connection, _, token) =>
            {
                await using NpgsqlCommand select = Command(connection, _schema.GetSql);
                select.Parameters.Add(new() { Value = wanted });
                return await ReadRecordsAsync(select, Math.Min(wanted.Length, 1024), token).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>Newest first by the time stored, then by id (the later of two stored in the same millisecond first).</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is less than 1.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="NpgsqlException">The server cannot be reached or failed the read.</exception>
    /// <exception cref="InvalidDataException">A record's metadata is not the JSON the store writes.</exception>
    public async Task<IReadOnlyList<MemoryRecord>> ListRecentAsync(int limit, string? tag, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        using Call call = Enter();
        return await OnConnectionAsync(
            async (connection, _, token) =>
            {
                await using NpgsqlCommand select = Command(connection, tag is null ? _schema.RecentSql : _schema.RecentWithTagSql);
                select.Parameters.Add(new() { Value = limit });
                if (tag is not null)
                {
                    select.Parameters.Add(new() { Value = tag });
                }

                return await ReadRecordsAsync(select, Math.Min(limit, 1024), token).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="NpgsqlException">The server cannot be reached or failed the read.</exception>
    public async Task<long> CountAsync(string? tag = null, CancellationToken cancellationToken = default)
    {
        using Call call = Enter();
        return await OnConnectionAsync(
            async (connection, _, token) =>
            {
                await using NpgsqlCommand count = Command(connection, tag is null ? _schema.CountSql : _schema.CountWithTagSql);
                if (tag is not null)
                {
                    count.Parameters.Add(new() { Value = tag });
                }

                return (long)(await count.ExecuteScalarAsync(token).ConfigureAwait(false))!;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>A tag given twice counts once.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="tags"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tags"/> is empty or holds a null.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="NpgsqlException">The server cannot be reached or failed the read.</exception>
    public async Task<IReadOnlySet<long>> IdsWithAllTagsAsync(IReadOnlyList<string> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        if (tags.Count == 0)
        {
            throw new ArgumentException("Give at least one tag.", nameof(tags));
        }

        var distinct = new List<string>(tags.Count);
        foreach (string? tag in tags)
        {
            if (tag is null)
            {
                throw new ArgumentException("The tags hold a null.", nameof(tags));
            }

            if (!distinct.Contains(tag, StringComparer.Ordinal))
            {
                distinct.Add(tag);
            }
        }

        using Call call = Enter();
        return await OnConnectionAsync<IReadOnlySet<long>>(
            async (connection, _, token) =>
            {
                await using NpgsqlCommand select = Command(connection, _schema.AllTagsSql);
                select.Parameters.Add(new() { Value = distinct.ToArray() });
                select.Parameters.Add(new() { Value = (long)distinct.Count });
                var ids = new HashSet<long>();
                await using NpgsqlDataReader reader = await select.ExecuteReaderAsync(token).ConfigureAwait(false);
                while (await reader.ReadAsync(token).ConfigureAwait(false))
                {
                    ids.Add(reader.GetInt64(0));
                }

                return ids;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Pages of <see cref="VectorPageSize"/> vectors by id, each read on a connection held only for
    /// that page, so a slow consumer holds no connection. Not a snapshot: a memory added while this
    /// runs is read if its id is past the page being read, one deleted may or may not be (a replica
    /// reads <see cref="ReadLastSequenceAsync"/> first and applies the changes after it).
    /// </remarks>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="NpgsqlException">The server cannot be reached or failed the read.</exception>
    /// <exception cref="InvalidDataException">A stored vector's length is not the model's dimension.</exception>
    public IAsyncEnumerable<StoredVector> ReadVectorsAsync(CancellationToken cancellationToken = default)
    {
        using (Enter())
        {
            return ReadVectorsCoreAsync(Model.Dimensions, cancellationToken);
        }
    }

    private async IAsyncEnumerable<StoredVector> ReadVectorsCoreAsync(int dimensions, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var page = new List<StoredVector>(VectorPageSize);
        long after = long.MinValue;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (Enter())
            {
                long from = after;
                await OnConnectionAsync(
                    async (connection, _, token) =>
                    {
                        page.Clear();
                        await using NpgsqlCommand select = Command(connection, _schema.VectorsSql);
                        select.Parameters.Add(new() { Value = from });
                        select.Parameters.Add(new() { Value = VectorPageSize });
                        await using NpgsqlDataReader reader = await select.ExecuteReaderAsync(token).ConfigureAwait(false);
                        while (await reader.ReadAsync(token).ConfigureAwait(false))
                        {
                            long id = reader.GetInt64(0);
                            page.Add(new StoredVector(id, DecodeVector(id, reader.GetFieldValue<byte[]>(1), dimensions)));
                        }

                        return page.Count;
                    },
                    cancellationToken).ConfigureAwait(false);
            }

            foreach (StoredVector vector in page)
            {
                yield return vector;
            }

            if (page.Count > 0)
            {
                after = page[^1].Id;
            }
        }
        while (page.Count == VectorPageSize);
    }

    /// <summary>A stored vector's values.</summary>
    /// <exception cref="InvalidDataException">Its length is not the model's dimension.</exception>
    private static float[] DecodeVector(long id, byte[] bytes, int dimensions)
    {
        if (bytes.Length != dimensions * sizeof(float))
        {
            throw new InvalidDataException($"Memory {id}'s vector has {bytes.Length} bytes; the store's model has {dimensions} dimensions ({dimensions * sizeof(float)} bytes).");
        }

        float[] vector = new float[dimensions];
        MemoryCodec.ReadVector(bytes, vector);
        return vector;
    }

    /// <summary>Reads rows of id, text, metadata, stored-at and tags.</summary>
    private static async Task<List<MemoryRecord>> ReadRecordsAsync(NpgsqlCommand select, int capacity, CancellationToken cancellationToken)
    {
        var records = new List<MemoryRecord>(capacity);
        await using NpgsqlDataReader reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            long id = reader.GetInt64(0);
            string[] tags = reader.GetFieldValue<string[]>(4);
            records.Add(new MemoryRecord(
                id,
                reader.GetString(1),
                tags,
                MemoryCodec.ReadMetadata(reader.GetString(2), id),
                new DateTimeOffset(reader.GetFieldValue<DateTime>(3).Ticks, TimeSpan.Zero)));
        }

        return records;
    }
}
