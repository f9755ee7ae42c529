using System.Globalization;
using CortexHybrid.Pooling;
using Microsoft.Data.Sqlite;

namespace CortexHybrid.Memory.Stores;

/// <summary>
/// The embedded store of record of a semantic memory: one SQLite database in a directory of its
/// own, used by one instance at a time.
/// </summary>
/// <remarks>
/// <para>
/// The directory holds <c>memory.db</c> (with its <c>-wal</c> and <c>-shm</c> files),
/// <c>memory.lock</c> and <c>memory.owner</c>. <see cref="OpenAsync"/> creates the directory
/// owner-only (0700 on Unix; missing parents get the default mode) and its files 0600, and locks
/// the directory for the store's lifetime: another instance, in this process or another, is
/// refused until <see cref="DisposeAsync"/> (or the process's death) lets the lock go.
/// </para>
/// <para>
/// The database runs in WAL mode with <c>synchronous = FULL</c>: a write's task completes after
/// its commit is in the log and the log is flushed to disk, so an acknowledged write survives the
/// process being killed and the machine losing power. Foreign keys are on, so deleting a memory
/// deletes its tags. Ids come from <c>AUTOINCREMENT</c> and are never reused, even after deletes.
/// </para>
/// <para>
/// Writes go through one connection, one at a time; reads use a <see cref="ResourcePool{T}"/> of
/// read-only connections (<see cref="SqliteMemoryStoreOptions.ReadConnections"/>) and never wait
/// for a write. Microsoft.Data.Sqlite does its work synchronously, so a call's SQLite work runs on
/// the calling thread; waits for the write connection or a read connection are asynchronous.
/// </para>
/// <para>
/// The database records the embedding model (its id and dimensions), the schema version and when
/// it was created, in a <c>meta</c> table; opening with another model, or opening a file that is
/// not a memory store, fails without changing the file.
/// </para>
/// </remarks>
public sealed partial class SqliteMemoryStore : IMemoryStore
{
    /// <summary>The database's file name in the store's directory.</summary>
    public const string DatabaseFileName = "memory.db";

    /// <summary>The version of the schema this class creates and reads.</summary>
    internal const int SchemaVersion = 1;

    private const int New = 0;
    private const int Opening = 1;
    private const int Open = 2;
    private const int Disposed = 3;

    private readonly string _directory;
    private readonly string _path;
    private readonly SqliteMemoryStoreOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Held by whoever uses the write connection; never disposed, as a write may still wait on it.</summary>
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    private int _state;
    private Session? _session;

    /// <summary>Creates a store in <paramref name="directory"/>; nothing touches the disk until <see cref="OpenAsync"/>.</summary>
    /// <param name="directory">The store's directory: created by <see cref="OpenAsync"/> when missing; one store per directory.</param>
    /// <param name="options">Connections and timeouts; copied, so later changes have no effect. Null for the defaults.</param>
    /// <param name="time">The clock of the creation time the store records and of the read pool's timeouts; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="directory"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty, white space, or not a valid path.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public SqliteMemoryStore(string directory, SqliteMemoryStoreOptions? options = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _directory = Path.GetFullPath(directory);
        _path = Path.Combine(_directory, DatabaseFileName);
        _options = (options ?? new SqliteMemoryStoreOptions()).Validated();
        _time = time ?? TimeProvider.System;
        Description = $"SQLite store at {_directory}";
    }

    /// <summary>"SQLite store at" and the full path of the store's directory.</summary>
    public string Description { get; }

    /// <summary>The database file's full path.</summary>
    internal string DatabasePath => _path;

    /// <summary>
    /// Opens the store: creates the directory (0700) and database (0600) when missing, locks the
    /// directory, and records <paramref name="model"/> in a new database or checks it against the
    /// one an existing database records.
    /// </summary>
    /// <param name="model">The embedding model of the vectors it will receive.</param>
    /// <param name="cancellationToken">Cancels the opening.</param>
    /// <returns>The store's model and size, and whether it was created.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="model"/>'s id is blank or its dimension is not positive.</exception>
    /// <exception cref="MemoryStoreModelMismatchException">The database records another model id or dimension; nothing was changed.</exception>
    /// <exception cref="MemoryStoreUnavailableException">
    /// The directory cannot be created or written, another instance holds its lock (the message
    /// names its pid), or <c>memory.db</c> is not a memory store (not SQLite, another database, a
    /// newer schema); the message is one line naming the path and the reason, and nothing was changed.
    /// </exception>
    /// <exception cref="InvalidOperationException">The store is open or being opened.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>A failed opening leaves the store closed, holding nothing: it may be opened again.</remarks>
    public async Task<MemoryStoreInfo> OpenAsync(EmbeddingModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (string.IsNullOrWhiteSpace(model.Id) || model.Dimensions < 1)
        {
            throw new ArgumentException($"The model {model} needs an id and at least one dimension.", nameof(model));
        }

        switch (Interlocked.CompareExchange(ref _state, Opening, New))
        {
            case Disposed:
                throw new ObjectDisposedException(nameof(SqliteMemoryStore), $"The {Description} was disposed.");
            case Opening:
            case Open:
                throw new InvalidOperationException($"The {Description} is already open (or being opened): open a store once.");
        }

        Session session;
        MemoryStoreInfo info;
        try
        {
            (session, info) = await OpenSessionAsync(model, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Interlocked.CompareExchange(ref _state, New, Opening);
            throw;
        }

        Volatile.Write(ref _session, session);
        if (Interlocked.CompareExchange(ref _state, Open, Opening) != Opening)
        {
            // Disposed while opening: the disposal found nothing to close, so this does.
            Volatile.Write(ref _session, null);
            await session.DisposeAsync().ConfigureAwait(false);
            throw new ObjectDisposedException(nameof(SqliteMemoryStore), $"The {Description} was disposed while it opened.");
        }

        return info;
    }

    /// <summary>
    /// Closes the store: waits for the write in progress, closes the read connections (those on loan
    /// when they come back) and the write connection, and lets the directory's lock go. Later calls
    /// throw <see cref="ObjectDisposedException"/>; disposing again does nothing.
    /// </summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, Disposed) != Open)
        {
            return;
        }

        Session? session = Interlocked.Exchange(ref _session, null);
        if (session is null)
        {
            return;
        }

        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>A PRAGMA of the write connection, for tests: journal_mode, synchronous, foreign_keys or busy_timeout.</summary>
    internal async Task<string> ReadWritePragmaAsync(string name)
    {
        string text = name switch
        {
            "journal_mode" => "PRAGMA journal_mode",
            "synchronous" => "PRAGMA synchronous",
            "foreign_keys" => "PRAGMA foreign_keys",
            "busy_timeout" => "PRAGMA busy_timeout",
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a PRAGMA this reads."),
        };
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            using SqliteCommand command = Current().Writer.Connection.CreateCommand();
            command.CommandText = text;
            return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? string.Empty;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>The <c>busy_timeout</c> PRAGMA for <paramref name="timeout"/> (a number, never text from outside).</summary>
    internal static string BusyTimeoutPragma(TimeSpan timeout) =>
        "PRAGMA busy_timeout = " + ((long)Math.Ceiling(timeout.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>The open session.</summary>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    private Session Current()
    {
        int state = Volatile.Read(ref _state);
        Session? session = Volatile.Read(ref _session);
        ObjectDisposedException.ThrowIf(state == Disposed, this);
        if (state != Open || session is null)
        {
            throw new InvalidOperationException($"The {Description} is not open: call OpenAsync first.");
        }

        return session;
    }

    private string ConnectionString(SqliteOpenMode mode) => new SqliteConnectionStringBuilder
    {
        DataSource = _path,
        Mode = mode,
        Cache = SqliteCacheMode.Private,
        Pooling = false,
        DefaultTimeout = (int)Math.Ceiling(_options.BusyTimeout.TotalSeconds),
    }.ToString();

    /// <summary>What an open store holds: the lock, the write connection and its statements, the read pool.</summary>
    private sealed class Session(EmbeddingModel model, SqliteStoreLock storeLock, SqliteWriter writer, ResourcePool<SqliteConnection> readers) : IAsyncDisposable
    {
        public EmbeddingModel Model { get; } = model;

        public SqliteWriter Writer { get; } = writer;

        public ResourcePool<SqliteConnection> Readers { get; } = readers;

        /// <summary>Closes the readers first, so the write connection closes last and checkpoints the log into the database.</summary>
        public async ValueTask DisposeAsync()
        {
            try
            {
                await Readers.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                try
                {
                    Writer.Dispose();
                }
                finally
                {
                    storeLock.Dispose();
                }
            }
        }
    }
}
