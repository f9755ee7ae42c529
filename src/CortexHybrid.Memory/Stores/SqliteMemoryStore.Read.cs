using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using CortexHybrid.Pooling;
using Microsoft.Data.Sqlite;

namespace CortexHybrid.Memory.Stores;

public sealed partial class SqliteMemoryStore
{
    /// <summary>Ids per <c>IN (...)</c> list: one statement for any k a recall asks for; more are read in chunks.</summary>
    internal const int MaxIdsPerSelect = 500;

    /// <summary>Vectors read per statement by <see cref="ReadVectorsAsync"/>, each page on a read connection held only while it is read.</summary>
    internal const int VectorPageSize = 1024;

    /// <summary>The columns of a record, one row per tag (or one with a null tag), in record then tag order.</summary>
    private const string RecordColumns = "m.id, m.text, m.metadata, m.stored_at, t.tag";

    private static readonly ConcurrentDictionary<int, string> s_getSql = new();
    private static readonly ConcurrentDictionary<int, string> s_allTagsSql = new();

    /// <summary>Names of the first parameters, made once.</summary>
    private static readonly string[] s_parameterNames = [.. Enumerable.Range(0, MaxIdsPerSelect).Select(i => "$p" + i.ToString(CultureInfo.InvariantCulture))];

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="PoolExhaustedException">No read connection within <see cref="SqliteMemoryStoreOptions.ReadTimeout"/>.</exception>
    public async Task<long?> FindByTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        Session session = Current();
        await using PooledResource<SqliteConnection> lease = await session.Readers.AcquireAsync(cancellationToken).ConfigureAwait(false);
        using SqliteCommand find = lease.Value.CreateCommand();
        find.CommandText = "SELECT id FROM memories WHERE text_hash = $hash";
        find.Parameters.Add("$hash", SqliteType.Blob).Value = MemoryCodec.HashText(text);
        return Run(lease, () => find.ExecuteScalar() is long id ? id : (long?)null);
    }

    /// <inheritdoc />
    /// <remarks>One statement per <see cref="MaxIdsPerSelect"/> ids (duplicates counted once), records with their tags in the order given and their metadata.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="ids"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="PoolExhaustedException">No read connection within <see cref="SqliteMemoryStoreOptions.ReadTimeout"/>.</exception>
    /// <exception cref="InvalidDataException">A record's metadata is not the JSON the store writes.</exception>
    public async Task<IReadOnlyList<MemoryRecord>> GetAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        Session session = Current();
        if (ids.Count == 0)
        {
            return [];
        }

        long[] wanted = [.. ids.Distinct()];
        var records = new List<MemoryRecord>(wanted.Length);
        await using PooledResource<SqliteConnection> lease = await session.Readers.AcquireAsync(cancellationToken).ConfigureAwait(false);
        for (int first = 0; first < wanted.Length; first += MaxIdsPerSelect)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(MaxIdsPerSelect, wanted.Length - first);
            using SqliteCommand select = lease.Value.CreateCommand();
            select.CommandText = s_getSql.GetOrAdd(count, static n => $"SELECT {RecordColumns} FROM memories m LEFT JOIN tags t ON t.memory_id = m.id WHERE m.id IN ({ParameterList(n)}) ORDER BY m.id, t.position");
            for (int i = 0; i < count; i++)
            {
                select.Parameters.Add(s_parameterNames[i], SqliteType.Integer).Value = wanted[first + i];
            }

            Run(lease, () => ReadRecords(select, records, cancellationToken));
        }

        return records;
    }

    /// <inheritdoc />
    /// <remarks>Newest first by the time stored, then by id (the later of two stored in the same millisecond first).</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is less than 1.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="PoolExhaustedException">No read connection within <see cref="SqliteMemoryStoreOptions.ReadTimeout"/>.</exception>
    /// <exception cref="InvalidDataException">A record's metadata is not the JSON the store writes.</exception>
    public async Task<IReadOnlyList<MemoryRecord>> ListRecentAsync(int limit, string? tag, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Session session = Current();
        string filter = tag is null ? string.Empty : "WHERE id IN (SELECT memory_id FROM tags WHERE tag = $tag) ";
        var records = new List<MemoryRecord>(Math.Min(limit, 1024));
        await using PooledResource<SqliteConnection> lease = await session.Readers.AcquireAsync(cancellationToken).ConfigureAwait(false);
        using SqliteCommand select = lease.Value.CreateCommand();
        select.CommandText =
            $"SELECT {RecordColumns} FROM (SELECT id, text, metadata, stored_at FROM memories {filter}ORDER BY stored_at DESC, id DESC LIMIT $limit) m " +
            "LEFT JOIN tags t ON t.memory_id = m.id ORDER BY m.stored_at DESC, m.id DESC, t.position";
        select.Parameters.Add("$limit", SqliteType.Integer).Value = limit;
        if (tag is not null)
        {
            select.Parameters.Add("$tag", SqliteType.Text).Value = tag;
        }

        Run(lease, () => ReadRecords(select, records, cancellationToken));
        return records;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="PoolExhaustedException">No read connection within <see cref="SqliteMemoryStoreOptions.ReadTimeout"/>.</exception>
    public async Task<long> CountAsync(string? tag = null, CancellationToken cancellationToken = default)
    {
        Session session = Current();
        await using PooledResource<SqliteConnection> lease = await session.Readers.AcquireAsync(cancellationToken).ConfigureAwait(false);
        using SqliteCommand count = lease.Value.CreateCommand();
        if (tag is null)
        {
            count.CommandText = "SELECT COUNT(*) FROM memories";
        }
        else
        {
            count.CommandText = "SELECT COUNT(*) FROM tags WHERE tag = $tag";
            count.Parameters.Add("$tag", SqliteType.Text).Value = tag;
        }

        return Run(lease, () => (long)count.ExecuteScalar()!);
    }

    /// <inheritdoc />
    /// <remarks>A tag given twice counts once.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="tags"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="tags"/> is empty or holds a null.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="PoolExhaustedException">No read connection within <see cref="SqliteMemoryStoreOptions.ReadTimeout"/>.</exception>
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

        if (distinct.Count > MaxIdsPerSelect)
        {
            throw new ArgumentException($"Give at most {MaxIdsPerSelect} tags.", nameof(tags));
        }

        Session session = Current();
        await using PooledResource<SqliteConnection> lease = await session.Readers.AcquireAsync(cancellationToken).ConfigureAwait(false);
        using SqliteCommand select = lease.Value.CreateCommand();
        select.CommandText = s_allTagsSql.GetOrAdd(distinct.Count, static n => $"SELECT memory_id FROM tags WHERE tag IN ({ParameterList(n)}) GROUP BY memory_id HAVING COUNT(DISTINCT tag) = $n");
        for (int i = 0; i < distinct.Count; i++)
        {
            select.Parameters.Add(s_parameterNames[i], SqliteType.Text).Value = distinct[i];
        }

        select.Parameters.Add("$n", SqliteType.Integer).Value = distinct.Count;
        return Run(lease, () =>
        {
            var ids = new HashSet<long>();
            using SqliteDataReader reader = select.ExecuteReader();
            while (reader.Read())
            {
                ids.Add(reader.GetInt64(0));
            }

            return ids;
        });
    }

    /// <inheritdoc />
    /// <remarks>
    /// Pages of <see cref="VectorPageSize"/> vectors by id, each read on a connection held only for
    /// that page, so a slow consumer holds no connection. Not a snapshot: a memory added while this
    /// runs is read if its id is past the page being read (new ids always are), one deleted may or
    /// may not be.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="PoolExhaustedException">No read connection within <see cref="SqliteMemoryStoreOptions.ReadTimeout"/>.</exception>
    /// <exception cref="InvalidDataException">A stored vector's length is not the model's dimension.</exception>
    public IAsyncEnumerable<StoredVector> ReadVectorsAsync(CancellationToken cancellationToken = default) => ReadVectorsCoreAsync(Current(), cancellationToken);

    private static async IAsyncEnumerable<StoredVector> ReadVectorsCoreAsync(Session session, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int dimensions = session.Model.Dimensions;
        byte[] blob = new byte[dimensions * sizeof(float)];
        var page = new List<StoredVector>(VectorPageSize);
        long after = long.MinValue;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            page.Clear();
            await using (PooledResource<SqliteConnection> lease = await session.Readers.AcquireAsync(cancellationToken).ConfigureAwait(false))
            {
                using SqliteCommand select = lease.Value.CreateCommand();
                select.CommandText = "SELECT id, vector FROM memories WHERE id > $after ORDER BY id LIMIT $limit";
                select.Parameters.Add("$after", SqliteType.Integer).Value = after;
                select.Parameters.Add("$limit", SqliteType.Integer).Value = VectorPageSize;
                Run(lease, () =>
                {
                    using SqliteDataReader reader = select.ExecuteReader();
                    while (reader.Read())
                    {
                        long id = reader.GetInt64(0);
                        if (reader.GetBytes(1, 0, null, 0, 0) != blob.Length)
                        {
                            throw new InvalidDataException($"Memory {id}'s vector has {reader.GetBytes(1, 0, null, 0, 0)} bytes; the store's model has {dimensions} dimensions ({blob.Length} bytes).");
                        }

                        reader.GetBytes(1, 0, blob, 0, blob.Length);
                        float[] vector = new float[dimensions];
                        MemoryCodec.ReadVector(blob, vector);
                        page.Add(new StoredVector(id, vector));
                    }

                    return page.Count;
                });
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

    /// <summary>Runs a read; a SQLite failure marks the connection broken, so the pool replaces it.</summary>
    private static T Run<T>(PooledResource<SqliteConnection> lease, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (SqliteException)
        {
            lease.MarkBroken();
            throw;
        }
    }

    /// <summary>Reads rows of <see cref="RecordColumns"/>, grouped by record, into <paramref name="records"/>.</summary>
    private static int ReadRecords(SqliteCommand select, List<MemoryRecord> records, CancellationToken cancellationToken)
    {
        int before = records.Count;
        using SqliteDataReader reader = select.ExecuteReader();
        long current = 0;
        string text = string.Empty;
        string metadata = MemoryCodec.EmptyMetadata;
        long storedAt = 0;
        List<string>? tags = null;
        bool any = false;
        while (reader.Read())
        {
            long id = reader.GetInt64(0);
            if (!any || id != current)
            {
                if (any)
                {
                    records.Add(Record(current, text, tags, metadata, storedAt));
                    if ((records.Count & 255) == 0)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                    }
                }

                any = true;
                current = id;
                text = reader.GetString(1);
                metadata = reader.GetString(2);
                storedAt = reader.GetInt64(3);
                tags = null;
            }

            if (!reader.IsDBNull(4))
            {
                (tags ??= []).Add(reader.GetString(4));
            }
        }

        if (any)
        {
            records.Add(Record(current, text, tags, metadata, storedAt));
        }

        return records.Count - before;
    }

    private static MemoryRecord Record(long id, string text, List<string>? tags, string metadata, long storedAt) =>
        new(id, text, tags is null ? [] : tags, MemoryCodec.ReadMetadata(metadata, id), DateTimeOffset.FromUnixTimeMilliseconds(storedAt));

    private static string ParameterList(int count)
    {
        var list = new StringBuilder(count * 6);
        for (int i = 0; i < count; i++)
        {
            list.Append(i == 0 ? string.Empty : ", ").Append(s_parameterNames[i]);
        }

        return list.ToString();
    }
}
