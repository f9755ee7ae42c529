using System.Buffers;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace CortexHybrid.Memory.Stores;

/// <summary>
/// The write connection of a <see cref="SqliteMemoryStore"/> and its prepared statements, made
/// once and reused by every batch. Not thread-safe: the store lets one caller in at a time.
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    /// <summary>
    /// Inserts a memory unless its text is stored: no row comes back then. The within-batch
    /// duplicates never get here, so a conflict means an earlier batch stored the text.
    /// </summary>
    private const string InsertSql = """
        INSERT INTO memories (text, text_hash, metadata, stored_at, vector)
        VALUES ($text, $hash, $metadata, $stored_at, $vector)
        ON CONFLICT (text_hash) DO NOTHING
        RETURNING id
        """;

    private const string FindSql = "SELECT id FROM memories WHERE text_hash = $hash";
    private const string InsertTagSql = "INSERT INTO tags (memory_id, position, tag) VALUES ($memory_id, $position, $tag)";
    private const string DeleteSql = "DELETE FROM memories WHERE id = $id";

    private readonly byte[] _hash = new byte[MemoryCodec.HashBytes];
    private readonly byte[] _vector;
    private readonly ArrayBufferWriter<byte> _json = new(256);
    private readonly Utf8JsonWriter _jsonWriter;
    private readonly List<SqliteCommand> _commands = [];

    private SqliteCommand? _insert;
    private SqliteCommand? _find;
    private SqliteCommand? _insertTag;
    private SqliteCommand? _delete;

    public SqliteWriter(SqliteConnection connection, int dimensions)
    {
        Connection = connection;
        _vector = new byte[dimensions * sizeof(float)];
        _jsonWriter = new Utf8JsonWriter(_json);
    }

    public SqliteConnection Connection { get; }

    /// <summary>Prepares the statements (the schema must exist).</summary>
    public void Prepare()
    {
        _insert = Command(InsertSql);
        _insert.Parameters.Add("$text", SqliteType.Text);
        _insert.Parameters.Add("$hash", SqliteType.Blob).Value = _hash;
        _insert.Parameters.Add("$metadata", SqliteType.Text);
        _insert.Parameters.Add("$stored_at", SqliteType.Integer);
        _insert.Parameters.Add("$vector", SqliteType.Blob).Value = _vector;
        _find = Command(FindSql);
        _find.Parameters.Add("$hash", SqliteType.Blob).Value = _hash;
        _insertTag = Command(InsertTagSql);
        _insertTag.Parameters.Add("$memory_id", SqliteType.Integer);
        _insertTag.Parameters.Add("$position", SqliteType.Integer);
        _insertTag.Parameters.Add("$tag", SqliteType.Text);
        _delete = Command(DeleteSql);
        _delete.Parameters.Add("$id", SqliteType.Integer);
        foreach (SqliteCommand command in _commands)
        {
            command.Prepare();
        }
    }

    public long Count()
    {
        using SqliteCommand count = Connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM memories";
        return (long)count.ExecuteScalar()!;
    }

    /// <summary>Stores <paramref name="drafts"/> (validated) in one transaction, committed unless cancelled first.</summary>
    public StoreResult[] Add(IReadOnlyList<MemoryDraft> drafts, CancellationToken cancellationToken)
    {
        var results = new StoreResult[drafts.Count];
        var batch = new Dictionary<string, long>(drafts.Count, StringComparer.Ordinal);
        using SqliteTransaction transaction = Connection.BeginTransaction(deferred: false);
        SqliteCommand insert = InTransaction(_insert, transaction);
        SqliteCommand find = InTransaction(_find, transaction);
        SqliteCommand insertTag = InTransaction(_insertTag, transaction);
        SqliteParameterCollection row = insert.Parameters;
        SqliteParameterCollection tag = insertTag.Parameters;
        for (int i = 0; i < results.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            MemoryDraft draft = drafts[i];
            if (batch.TryGetValue(draft.Text, out long repeated))
            {
                results[i] = new StoreResult(repeated, Added: false);
                continue;
            }

            // The parameters hold these buffers: SQLite copies a value when it binds it.
            MemoryCodec.HashText(draft.Text, _hash);
            MemoryCodec.WriteVector(draft.Vector.Span, _vector);
            row[0].Value = draft.Text;
            row[2].Value = MemoryCodec.WriteMetadata(draft.Metadata, _jsonWriter, _json);
            row[3].Value = draft.StoredAt.ToUnixTimeMilliseconds();
            if (insert.ExecuteScalar() is long id)
            {
                IReadOnlyList<string> tags = draft.Tags;
                tag[0].Value = id;
                for (int position = 0; position < tags.Count; position++)
                {
                    tag[1].Value = position;
                    tag[2].Value = tags[position];
                    insertTag.ExecuteNonQuery();
                }

                results[i] = new StoreResult(id, Added: true);
            }
            else
            {
                id = (long)find.ExecuteScalar()!;
                results[i] = new StoreResult(id, Added: false);
            }

            batch[draft.Text] = id;
        }

        cancellationToken.ThrowIfCancellationRequested();
        transaction.Commit();
        return results;
    }

    /// <summary>Deletes a memory and, by the foreign key, its tags; committed unless cancelled first.</summary>
    public bool Delete(long id, CancellationToken cancellationToken)
    {
        using SqliteTransaction transaction = Connection.BeginTransaction(deferred: false);
        SqliteCommand delete = InTransaction(_delete, transaction);
        delete.Parameters[0].Value = id;
        int deleted = delete.ExecuteNonQuery();
        cancellationToken.ThrowIfCancellationRequested();
        transaction.Commit();
        return deleted > 0;
    }

    public void Dispose()
    {
        foreach (SqliteCommand command in _commands)
        {
            command.Dispose();
        }

        _jsonWriter.Dispose();
        Connection.Dispose();
    }

    private static SqliteCommand InTransaction(SqliteCommand? command, SqliteTransaction transaction)
    {
        command = command ?? throw new InvalidOperationException("The statements are not prepared.");
        command.Transaction = transaction;
        return command;
    }

    private SqliteCommand Command(string text)
    {
        SqliteCommand command = Connection.CreateCommand();
        command.CommandText = text;
        _commands.Add(command);
        return command;
    }
}
