using System.Globalization;
using CortexHybrid.Pooling;
using Microsoft.Data.Sqlite;

namespace CortexHybrid.Memory.Stores;

public sealed partial class SqliteMemoryStore
{
    /// <summary>SQLite's result code for a file that is not a database.</summary>
    private const int SqliteNotADatabase = 26;

    /// <summary>
    /// The schema, version <see cref="SchemaVersion"/>. Plain SQL that PostgreSQL also reads but for
    /// the types (BLOB is bytea there, AUTOINCREMENT an identity column).
    /// </summary>
    private const string SchemaSql = """
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL);
        CREATE TABLE memories (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            text TEXT NOT NULL,
            text_hash BLOB NOT NULL UNIQUE,
            metadata TEXT NOT NULL,
            stored_at INTEGER NOT NULL,
            vector BLOB NOT NULL);
        CREATE INDEX memories_by_stored_at ON memories (stored_at, id);
        CREATE TABLE tags (
            memory_id INTEGER NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            tag TEXT NOT NULL,
            PRIMARY KEY (memory_id, tag));
        CREATE INDEX tags_by_tag ON tags (tag, memory_id);
        """;

    private const string InsertMetaSql = "INSERT INTO meta (key, value) VALUES ('schema_version', $version), ('model_id', $model), ('dimensions', $dimensions), ('created_at', $created)";

    private async Task<(Session Session, MemoryStoreInfo Info)> OpenSessionAsync(EmbeddingModel model, CancellationToken cancellationToken)
    {
        CreateDirectory();
        cancellationToken.ThrowIfCancellationRequested();
        SqliteStoreLock storeLock = SqliteStoreLock.Acquire(_directory, Description);
        SqliteWriter? writer = null;
        try
        {
            // Checked through a read-only connection, which cannot change the file (not even
            // checkpoint a log a crash left), so a refused file is left exactly as it was.
            bool created = !File.Exists(_path) || new FileInfo(_path).Length == 0 || IsEmptyDatabase(model);
            cancellationToken.ThrowIfCancellationRequested();
            if (!File.Exists(_path))
            {
                // Created here, so that it is 0600 from the start: SQLite gives its -wal and -shm
                // files the database's permissions.
                using (new FileStream(_path, SqliteStoreLock.PrivateFile(FileMode.CreateNew, FileShare.None)))
                {
                }
            }

            writer = new SqliteWriter(OpenWriteConnection(), model.Dimensions);
            if (created)
            {
                CreateSchema(writer.Connection, model);
            }

            CreateQueriesTable(writer.Connection);
            writer.Prepare();
            long count = writer.Count();
            cancellationToken.ThrowIfCancellationRequested();
            ResourcePool<SqliteConnection> readers = await ResourcePool<SqliteConnection>.CreateAsync(
                new SqliteReadConnectionFactory(ConnectionString(SqliteOpenMode.ReadOnly), _options.BusyTimeout),
                new ResourcePoolOptions
                {
                    MinSize = 1,
                    MaxSize = _options.ReadConnections,
                    AcquireTimeout = _options.ReadTimeout,
                    Name = "sqlite-memory",
                },
                _time,
                cancellationToken).ConfigureAwait(false);
            return (new Session(model, storeLock, writer, readers), new MemoryStoreInfo(model, count, created));
        }
        catch (Exception e)
        {
            writer?.Dispose();
            storeLock.Dispose();
            if (e is SqliteException or IOException and not MemoryStoreUnavailableException or UnauthorizedAccessException)
            {
                throw new MemoryStoreUnavailableException($"The {Description} cannot be opened: {SqliteStoreLock.OneLine(e.Message)}", e);
            }

            throw;
        }
    }

    private void CreateDirectory()
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(_directory);
            }
            else
            {
                Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new MemoryStoreUnavailableException($"The memory store directory {_directory} cannot be created: {SqliteStoreLock.OneLine(e.Message)}", e);
        }
    }

    /// <summary>
    /// Reads the database's <c>meta</c> table without changing the file: true when the database
    /// holds nothing yet (a creation that crashed before its commit), false when it is a memory
    /// store of <paramref name="model"/>.
    /// </summary>
    /// <exception cref="MemoryStoreUnavailableException">The file is not a memory store, or of a newer schema.</exception>
    /// <exception cref="MemoryStoreModelMismatchException">It records another model.</exception>
    private bool IsEmptyDatabase(EmbeddingModel model)
    {
        using var connection = new SqliteConnection(ConnectionString(SqliteOpenMode.ReadOnly));
        Dictionary<string, string> meta;
        try
        {
            connection.Open();
            using SqliteCommand tables = connection.CreateCommand();
            tables.CommandText = "SELECT COUNT(*), COUNT(CASE WHEN type = 'table' AND name = 'meta' THEN 1 END) FROM sqlite_master";
            using (SqliteDataReader reader = tables.ExecuteReader())
            {
                reader.Read();
                if (reader.GetInt64(0) == 0)
                {
                    return true;
                }

                if (reader.GetInt64(1) == 0)
                {
                    throw NotAStore("a SQLite database without a meta table");
                }
            }

            using SqliteCommand select = connection.CreateCommand();
            select.CommandText = "SELECT key, value FROM meta";
            meta = new Dictionary<string, string>(StringComparer.Ordinal);
            using (SqliteDataReader reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    meta[reader.GetString(0)] = reader.GetString(1);
                }
            }
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SqliteNotADatabase)
        {
            throw NotAStore("not a SQLite database", e);
        }
        catch (Exception e) when (e is SqliteException or InvalidCastException)
        {
            throw NotAStore(SqliteStoreLock.OneLine(e.Message), e);
        }

        if (!meta.TryGetValue("schema_version", out string? version) || !int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out int schema))
        {
            throw NotAStore("its meta table holds no schema version");
        }

        if (schema != SchemaVersion)
        {
            throw NotAStore($"its schema is version {schema}; this CortexHybrid.Memory reads version {SchemaVersion}");
        }

        if (!meta.TryGetValue("model_id", out string? id)
            || !meta.TryGetValue("dimensions", out string? dimensions)
            || !int.TryParse(dimensions, NumberStyles.None, CultureInfo.InvariantCulture, out int stored))
        {
            throw NotAStore("its meta table holds no embedding model");
        }

        var recorded = new EmbeddingModel(id, stored);
        if (!string.Equals(recorded.Id, model.Id, StringComparison.Ordinal) || recorded.Dimensions != model.Dimensions)
        {
            throw new MemoryStoreModelMismatchException(Description, recorded, model);
        }

        return false;
    }

    private MemoryStoreUnavailableException NotAStore(string reason, Exception? inner = null) =>
        new($"The {Description} is not a memory store: {_path} is {reason}. Nothing was changed: use another directory.", inner);

    /// <summary>Opens the write connection in WAL mode, <c>synchronous = FULL</c>, foreign keys on.</summary>
    private SqliteConnection OpenWriteConnection()
    {
        var connection = new SqliteConnection(ConnectionString(SqliteOpenMode.ReadWrite));
        try
        {
            connection.Open();
            using SqliteCommand journal = connection.CreateCommand();
            journal.CommandText = "PRAGMA journal_mode = WAL";
            if (journal.ExecuteScalar() is not string mode || !string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new MemoryStoreUnavailableException($"The {Description} cannot be opened: SQLite refused WAL mode on {_path} (a file system without shared memory?).");
            }

            using SqliteCommand pragmas = connection.CreateCommand();
            pragmas.CommandText = "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; " + BusyTimeoutPragma(_options.BusyTimeout);
            pragmas.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void CreateSchema(SqliteConnection connection, EmbeddingModel model)
    {
        using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
        using (SqliteCommand create = connection.CreateCommand())
        {
            create.Transaction = transaction;
            create.CommandText = SchemaSql;
            create.ExecuteNonQuery();
        }

        using (SqliteCommand insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = InsertMetaSql;
            insert.Parameters.AddWithValue("$version", SchemaVersion.ToString(CultureInfo.InvariantCulture));
            insert.Parameters.AddWithValue("$model", model.Id);
            insert.Parameters.AddWithValue("$dimensions", model.Dimensions.ToString(CultureInfo.InvariantCulture));
            insert.Parameters.AddWithValue("$created", _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
