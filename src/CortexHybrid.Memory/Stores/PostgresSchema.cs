using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CortexHybrid.Memory.Stores;

/// <summary>
/// The SQL of a <see cref="PostgresMemoryStore"/> for one schema, made once: every table name is
/// qualified by the schema (a validated name, quoted), never by <c>search_path</c>.
/// </summary>
/// <remarks>
/// <para>
/// <c>memories</c>: <c>id</c> from a sequence, never reused; <c>text_hash</c> the SHA-256 of the
/// text's UTF-8, unique (the dedupe key); <c>metadata</c> <c>json</c>, not <c>jsonb</c>, because
/// <c>jsonb</c> reorders keys and refuses <c>\u0000</c>, and the store gives metadata back as it
/// was written, like the SQLite store; <c>stored_at</c> to the millisecond, like the SQLite store;
/// <c>vector</c> <c>bytea</c> of little-endian float32, the SQLite store's encoding (one codec,
/// <see cref="MemoryCodec"/>), bit-exact for any value (NaN payloads, -0, subnormals), 4 bytes a
/// value with no array header or null bitmap, decoded by one copy (a <c>real[]</c> would be read
/// element by element, for nothing the store queries in SQL), kept uncompressed (<c>STORAGE
/// EXTERNAL</c>: float noise does not compress); <c>seq</c> the change log entry that added it.
/// </para>
/// <para>
/// <c>tags</c> (memory, position, tag), deleted with their memory. <c>changes</c>: the log the
/// replicas read, one row per memory added or deleted, <c>seq</c> from its own sequence. Every write
/// transaction takes the schema's advisory lock first, so sequence numbers are committed in order:
/// a reader that saw sequence n never later finds a smaller one committed. <c>meta</c>: schema
/// version, model id, dimensions, creation time.
/// </para>
/// </remarks>
internal sealed class PostgresSchema
{
    /// <summary>The version of the schema this class creates and reads.</summary>
    public const int Version = 1;

    /// <summary>The first key of the store's advisory locks (<c>pg_advisory_xact_lock(int, int)</c>), "CxHy", so other applications' locks do not collide with them.</summary>
    public const int LockClass = 0x43_78_48_79;

    public const string AddKind = "add";
    public const string DeleteKind = "delete";

    public PostgresSchema(string name)
    {
        Name = name;
        string s = "\"" + name + "\"";
        Channel = "cortex_memory." + name;
        LockKey = BinaryPrimitives.ReadInt32LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes("cortex-memory:" + name)));
        CreateSchemaSql = $"CREATE SCHEMA {s}";
        CreateTablesSql = $"""
            CREATE TABLE {s}.meta (
                key text PRIMARY KEY,
                value text NOT NULL);
            CREATE SEQUENCE {s}.change_seq AS bigint;
            CREATE TABLE {s}.memories (
                id bigserial PRIMARY KEY,
                text text NOT NULL,
                text_hash bytea NOT NULL UNIQUE CHECK (length(text_hash) = {MemoryCodec.HashBytes}),
                metadata json NOT NULL,
                stored_at timestamptz NOT NULL,
                vector bytea NOT NULL,
                seq bigint NOT NULL);
            ALTER TABLE {s}.memories ALTER COLUMN vector SET STORAGE EXTERNAL;
            CREATE INDEX memories_by_stored_at ON {s}.memories (stored_at, id);
            CREATE TABLE {s}.tags (
                memory_id bigint NOT NULL REFERENCES {s}.memories (id) ON DELETE CASCADE,
                position integer NOT NULL,
                tag text NOT NULL,
                PRIMARY KEY (memory_id, tag));
            CREATE INDEX tags_by_tag ON {s}.tags (tag, memory_id);
            CREATE TABLE {s}.changes (
                seq bigint PRIMARY KEY DEFAULT nextval('{s}.change_seq'),
                kind text NOT NULL CHECK (kind IN ('{AddKind}', '{DeleteKind}')),
                memory_id bigint NOT NULL,
                at timestamptz NOT NULL DEFAULT now());
            ALTER SEQUENCE {s}.change_seq OWNED BY {s}.changes.seq;
            """;
        InsertMetaSql = $"INSERT INTO {s}.meta (key, value) VALUES ('schema_version', $1), ('model_id', $2), ('dimensions', $3), ('created_at', $4)";
        ReadMetaSql = $"SELECT key, value FROM {s}.meta";
        CountSql = $"SELECT count(*) FROM {s}.memories";
        InsertSql = $"""
            WITH inserted AS (
                INSERT INTO {s}.memories (text, text_hash, metadata, stored_at, vector, seq)
                SELECT d.text, d.text_hash, d.metadata::json, d.stored_at, d.vector, nextval('{s}.change_seq')
                FROM unnest($1::text[], $2::bytea[], $3::text[], $4::timestamptz[], $5::bytea[]) WITH ORDINALITY AS d (text, text_hash, metadata, stored_at, vector, ord)
                ORDER BY d.ord
                ON CONFLICT (text_hash) DO NOTHING
                RETURNING id, text_hash, seq),
            logged AS (
                INSERT INTO {s}.changes (seq, kind, memory_id) SELECT seq, '{AddKind}', id FROM inserted)
            SELECT id, text_hash, seq FROM inserted
            """;
        FindManySql = $"SELECT text_hash, id FROM {s}.memories WHERE text_hash = ANY($1)";
        InsertTagsSql = $"INSERT INTO {s}.tags (memory_id, position, tag) SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[])";
        DeleteSql = $"""
            WITH deleted AS (
                DELETE FROM {s}.memories WHERE id = $1 RETURNING id),
            logged AS (
                INSERT INTO {s}.changes (kind, memory_id) SELECT '{DeleteKind}', id FROM deleted RETURNING seq)
            SELECT pg_notify($2, seq::text) FROM logged
            """;
        FindSql = $"SELECT id FROM {s}.memories WHERE text_hash = $1";
        const string Record = "m.id, m.text, m.metadata, m.stored_at, ARRAY(SELECT t.tag FROM {0}.tags t WHERE t.memory_id = m.id ORDER BY t.position)";
        string record = string.Format(System.Globalization.CultureInfo.InvariantCulture, Record, s);
        GetSql = $"SELECT {record} FROM {s}.memories m WHERE m.id = ANY($1)";
        RecentSql = $"SELECT {record} FROM {s}.memories m ORDER BY m.stored_at DESC, m.id DESC LIMIT $1";
        RecentWithTagSql = $"SELECT {record} FROM {s}.memories m WHERE m.id IN (SELECT memory_id FROM {s}.tags WHERE tag = $2) ORDER BY m.stored_at DESC, m.id DESC LIMIT $1";
        CountWithTagSql = $"SELECT count(*) FROM {s}.tags WHERE tag = $1";
        AllTagsSql = $"SELECT memory_id FROM {s}.tags WHERE tag = ANY($1) GROUP BY memory_id HAVING count(*) = $2";
        VectorsSql = $"SELECT id, vector FROM {s}.memories WHERE id > $1 ORDER BY id LIMIT $2";
        LastSequenceSql = $"SELECT coalesce(max(seq), 0) FROM {s}.changes";
        ChangesSql = $"""
            SELECT c.seq, c.kind, c.memory_id, c.at, m.vector
            FROM {s}.changes c LEFT JOIN {s}.memories m ON m.id = c.memory_id AND m.seq = c.seq
            WHERE c.seq > $1 ORDER BY c.seq LIMIT $2
            """;
        ListenSql = $"LISTEN \"{Channel}\"";
        CreateQueriesSql = $"CREATE TABLE IF NOT EXISTS {s}.recall_queries (request text PRIMARY KEY, count bigint NOT NULL)";
        AgeQueriesSql = $"UPDATE {s}.recall_queries SET count = count / 2";
        AddQueriesSql = $"""
            INSERT INTO {s}.recall_queries (request, count) SELECT * FROM unnest($1::text[], $2::bigint[])
            ON CONFLICT (request) DO UPDATE SET count = {s}.recall_queries.count + excluded.count
            """;
        PruneQueriesSql = $"DELETE FROM {s}.recall_queries WHERE count = 0 OR request NOT IN (SELECT request FROM {s}.recall_queries ORDER BY count DESC, request LIMIT {FrequentQuery.MaxKept})";
        FrequentQueriesSql = $"SELECT request, count FROM {s}.recall_queries ORDER BY count DESC, request LIMIT $1";
    }

    /// <summary>Creates the recall-query counts table when missing (stores made before it existed get it at open).</summary>
    public string CreateQueriesSql { get; }

    /// <summary>Halves every stored recall-query count.</summary>
    public string AgeQueriesSql { get; }

    /// <summary>Adds counts ($1 requests, $2 counts) to the stored ones.</summary>
    public string AddQueriesSql { get; }

    /// <summary>Keeps only the most frequent recall queries.</summary>
    public string PruneQueriesSql { get; }

    /// <summary>The most frequent recall queries ($1 limit).</summary>
    public string FrequentQueriesSql { get; }

    /// <summary>The schema's name (validated: lowercase letters, digits, underscores).</summary>
    public string Name { get; }

    /// <summary>The notification channel of the schema's change log: <c>cortex_memory.</c> and the schema.</summary>
    public string Channel { get; }

    /// <summary>The second key of the schema's advisory lock, from its name.</summary>
    public int LockKey { get; }

    /// <summary>Creates the schema (when missing: creating one needs the database's CREATE privilege, even with IF NOT EXISTS).</summary>
    public string CreateSchemaSql { get; }

    /// <summary>Creates the sequence, the tables and their indexes in the schema.</summary>
    public string CreateTablesSql { get; }

    public string InsertMetaSql { get; }

    public string ReadMetaSql { get; }

    public string CountSql { get; }

    /// <summary>
    /// Inserts a batch's drafts (as arrays, in order, so their ids and sequence numbers follow it)
    /// unless their text is stored, logs each as an add, and returns the inserted ones.
    /// </summary>
    public string InsertSql { get; }

    public string FindManySql { get; }

    public string InsertTagsSql { get; }

    /// <summary>Deletes a memory, logs it, notifies the channel ($2); a row back means it was deleted.</summary>
    public string DeleteSql { get; }

    public string FindSql { get; }

    public string GetSql { get; }

    public string RecentSql { get; }

    public string RecentWithTagSql { get; }

    public string CountWithTagSql { get; }

    public string AllTagsSql { get; }

    public string VectorsSql { get; }

    public string LastSequenceSql { get; }

    /// <summary>A page of the change log after $1, with the vector of each add whose memory still exists.</summary>
    public string ChangesSql { get; }

    public string ListenSql { get; }
}
