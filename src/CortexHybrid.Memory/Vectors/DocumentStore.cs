using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using CortexHybrid.Search;
using Microsoft.Data.Sqlite;

namespace CortexHybrid.Memory.Vectors;

/// <summary>
/// The SQLite metadata store of <see cref="VectorCorpusPipeline"/>: one table
/// <c>documents(id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL)</c>, built once,
/// then only read.
/// </summary>
internal static class DocumentStore
{
    /// <summary>
    /// Ids per <c>SELECT ... WHERE id IN (...)</c>: SQLite builds before 3.32 allow 999 parameters;
    /// any k up to this is one statement.
    /// </summary>
    internal const int MaxIdsPerSelect = 999;

    /// <summary>Rows inserted between cancellation checks.</summary>
    private const int CancellationCheckRows = 4096;

    /// <summary>The statement text per id count, so a search does not rebuild it.</summary>
    private static readonly ConcurrentDictionary<int, string> s_selects = new();

    /// <summary>Names of the first parameters, made once (a search with k = 10 would otherwise format ten strings).</summary>
    private static readonly string[] s_parameterNames = [.. Enumerable.Range(0, 64).Select(i => "$p" + i.ToString(CultureInfo.InvariantCulture))];

    /// <summary>A connection string that only reads <paramref name="path"/>, without Microsoft.Data.Sqlite's own pooling.</summary>
    public static string ReadOnlyConnectionString(string path) =>
        new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();

    /// <summary>
    /// Creates the file at <paramref name="path"/> (replacing one already there) holding one
    /// document per id stored in <paramref name="index"/>: from <paramref name="documents"/> when
    /// given, else <see cref="SyntheticCorpus.DocumentFor(long)"/>. One transaction, one prepared
    /// insert, rows in id order.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="documents"/> holds a null, a null title or body, an id twice, or lacks an id the index stores.</exception>
    public static void Build(string path, VectorIndex index, IEnumerable<Document>? documents, CancellationToken cancellationToken)
    {
        Dictionary<long, Document>? given = documents is null ? null : ById(documents);
        long[] ids = IndexIds(index);
        if (given is not null)
        {
            foreach (long id in ids)
            {
                if (!given.ContainsKey(id))
                {
                    throw new ArgumentException($"The documents hold none for id {id}, which the index stores: give one document per stored vector.", nameof(documents));
                }
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        Delete(path);
        string connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using (SqliteCommand pragmas = connection.CreateCommand())
        {
            // A file rebuilt on every start: a crash mid-build loses nothing that matters, so the
            // build skips the syncs. Readers then share it under the default rollback journal.
            pragmas.CommandText = "PRAGMA synchronous = OFF; PRAGMA journal_mode = DELETE;";
            pragmas.ExecuteNonQuery();
        }

        using SqliteTransaction transaction = connection.BeginTransaction();
        using (SqliteCommand create = connection.CreateCommand())
        {
            create.Transaction = transaction;
            create.CommandText = "CREATE TABLE documents (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL)";
            create.ExecuteNonQuery();
        }

        using (SqliteCommand insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO documents (id, title, body) VALUES ($id, $title, $body)";
            SqliteParameter id = insert.Parameters.Add("$id", SqliteType.Integer);
            SqliteParameter title = insert.Parameters.Add("$title", SqliteType.Text);
            SqliteParameter body = insert.Parameters.Add("$body", SqliteType.Text);
            insert.Prepare();
            for (int i = 0; i < ids.Length; i++)
            {
                if (i % CancellationCheckRows == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                Document document = given is null ? SyntheticCorpus.DocumentFor(ids[i]) : given[ids[i]];
                id.Value = ids[i];
                title.Value = document.Title;
                body.Value = document.Body;
                insert.ExecuteNonQuery();
            }
        }

        transaction.Commit();
    }

    /// <summary>
    /// The documents of <paramref name="results"/>' ids, one <c>SELECT ... WHERE id IN (...)</c>
    /// per <see cref="MaxIdsPerSelect"/> ids, as hits in the results' order. An id without a
    /// document (a vector added to the index after the store was built) gets an empty title and body.
    /// </summary>
    public static SearchHit[] Fetch(SqliteConnection connection, SearchResult[] results, CancellationToken cancellationToken)
    {
        if (results.Length == 0)
        {
            return [];
        }

        var found = new Dictionary<long, (string Title, string Body)>(results.Length);
        for (int first = 0; first < results.Length; first += MaxIdsPerSelect)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(MaxIdsPerSelect, results.Length - first);
            using SqliteCommand select = connection.CreateCommand();
            select.CommandText = s_selects.GetOrAdd(count, SelectText);
            for (int i = 0; i < count; i++)
            {
                select.Parameters.Add(ParameterName(i), SqliteType.Integer).Value = results[first + i].Id;
            }

            using SqliteDataReader reader = select.ExecuteReader();
            while (reader.Read())
            {
                found[reader.GetInt64(0)] = (reader.GetString(1), reader.GetString(2));
            }
        }

        var hits = new SearchHit[results.Length];
        for (int i = 0; i < hits.Length; i++)
        {
            SearchResult result = results[i];
            (string title, string body) = found.TryGetValue(result.Id, out var document) ? document : (string.Empty, string.Empty);
            hits[i] = new SearchHit(result.Id, result.Score, title, body);
        }

        return hits;
    }

    /// <summary>Deletes the database file and its rollback journal or write-ahead log, if any.</summary>
    public static void Delete(string path)
    {
        File.Delete(path);
        File.Delete(path + "-journal");
        File.Delete(path + "-wal");
        File.Delete(path + "-shm");
    }

    /// <summary>
    /// Every id the index stores, in increasing order. The index has no enumeration, so this asks
    /// it for its <see cref="VectorIndex.Count"/> nearest vectors to a unit query (every row is
    /// returned; one exact pass over the rows, tens of milliseconds for 100,000 x 384).
    /// </summary>
    private static long[] IndexIds(VectorIndex index)
    {
        int count = index.Count;
        if (count == 0)
        {
            return [];
        }

        float[] probe = new float[index.Dimension];
        probe[0] = 1f;
        SearchResult[] all = index.Search(probe, count);
        long[] ids = new long[all.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = all[i].Id;
        }

        Array.Sort(ids);
        return ids;
    }

    private static Dictionary<long, Document> ById(IEnumerable<Document> documents)
    {
        var byId = new Dictionary<long, Document>();
        foreach (Document? document in documents)
        {
            if (document is null)
            {
                throw new ArgumentException("The documents hold a null.", nameof(documents));
            }

            if (document.Title is null || document.Body is null)
            {
                throw new ArgumentException($"Document {document.Id} has a null title or body.", nameof(documents));
            }

            if (!byId.TryAdd(document.Id, document))
            {
                throw new ArgumentException($"The documents hold id {document.Id} more than once.", nameof(documents));
            }
        }

        return byId;
    }

    private static string SelectText(int count)
    {
        var text = new StringBuilder("SELECT id, title, body FROM documents WHERE id IN (", 64 + (count * 6));
        for (int i = 0; i < count; i++)
        {
            text.Append(i == 0 ? string.Empty : ", ").Append(ParameterName(i));
        }

        return text.Append(')').ToString();
    }

    private static string ParameterName(int i) => i < s_parameterNames.Length ? s_parameterNames[i] : "$p" + i.ToString(CultureInfo.InvariantCulture);
}
