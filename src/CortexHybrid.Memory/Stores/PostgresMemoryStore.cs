using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CortexHybrid.Memory.Stores;

/// <summary>
/// The shared store of record of a semantic memory: tables in one schema of a PostgreSQL database,
/// used by any number of instances at once, each keeping its index replica in step through the
/// store's change feed (<see cref="IMemoryChangeFeed"/>).
/// </summary>
/// <remarks>
/// <para>
/// <see cref="OpenAsync"/> creates the schema (<see cref="PostgresMemoryStoreOptions.Schema"/>) and
/// its tables in one transaction under an advisory lock, so instances starting at once create it
/// once; the first records the embedding model, and the others are refused another. Tables:
/// <c>meta</c>, <c>memories</c> (text, SHA-256 of the text, unique; metadata <c>json</c>; stored-at;
/// vector <c>bytea</c> of little-endian float32; the change that added it), <c>tags</c> (deleted
/// with their memory) and <c>changes</c> (the log the replicas read).
/// </para>
/// <para>
/// Every write is one transaction that takes the schema's advisory lock (writes from all instances
/// commit one at a time, so the change log's sequence numbers are committed in order), appends to
/// the change log and notifies the schema's channel (<c>pg_notify</c>) with its last sequence
/// number; its task completes after the commit, flushed to the server's disk (a session whose
/// <c>synchronous_commit</c> is <c>off</c> gets <c>on</c> for the store's writes; a stronger
/// setting, such as waiting for synchronous standbys, is kept). A batch is one statement
/// of array parameters (<c>unnest</c>): one round trip however large, with <c>ON CONFLICT DO
/// NOTHING RETURNING</c> deciding what is stored already, which binary <c>COPY</c> could not.
/// </para>
/// <para>
/// Connections come from an <see cref="NpgsqlDataSource"/> (its pool); each change feed holds one
/// more, listening. The password is never part of <see cref="Description"/>, of an exception this
/// store throws, or of what it logs.
/// </para>
/// </remarks>
public sealed partial class PostgresMemoryStore : IMemoryStore, IMemoryChangeFeed
{
    private const int New = 0;
    private const int Opening = 1;
    private const int Open = 2;
    private const int Disposed = 3;

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly PostgresMemoryStoreOptions _options;
    private readonly PostgresSchema _schema;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string? _password;
    private readonly int _commandTimeout;

    /// <summary>Cancelled by <see cref="DisposeAsync"/>: ends the change feeds.</summary>
    private readonly CancellationTokenSource _closing = new();

    /// <summary>Completed when the last call in progress after <see cref="DisposeAsync"/> ends.</summary>
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int _state;

    /// <summary>Calls in progress, plus one for the open store itself (let go by <see cref="DisposeAsync"/>).</summary>
    private int _active;

    private EmbeddingModel? _model;

    /// <summary>Creates a store on the database <paramref name="connectionString"/> names; nothing connects until <see cref="OpenAsync"/>.</summary>
    /// <param name="connectionString">An Npgsql connection string (<c>Host=…;Port=…;Database=…;Username=…;Password=…</c>); the store owns the data source it builds from it.</param>
    /// <param name="options">Schema and timeouts; copied, so later changes have no effect. Null for the defaults.</param>
    /// <param name="time">The clock of the creation time the store records and of the feeds' reconnection delays; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Where the change feeds log lost connections; none when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="connectionString"/> is null.</exception>
    /// <exception cref="ArgumentException">The connection string is empty, not valid, or names no host; the message never holds its password.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public PostgresMemoryStore(string connectionString, PostgresMemoryStoreOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
        : this(Parse(connectionString), options, time, logger)
    {
    }

    /// <summary>Creates a store on <paramref name="dataSource"/>'s database; nothing connects until <see cref="OpenAsync"/>.</summary>
    /// <param name="dataSource">Where connections come from (not multiplexing: the change feed listens on a connection of its own). The caller keeps it and disposes it after the store.</param>
    /// <param name="options">Schema and timeouts; copied, so later changes have no effect. Null for the defaults.</param>
    /// <param name="time">The clock of the creation time the store records and of the feeds' reconnection delays; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Where the change feeds log lost connections; none when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="dataSource"/> is null.</exception>
    /// <exception cref="ArgumentException">The data source names no host, or multiplexes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public PostgresMemoryStore(NpgsqlDataSource dataSource, PostgresMemoryStoreOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
        : this((dataSource ?? throw new ArgumentNullException(nameof(dataSource)), Owned: false, Password: null), options, time, logger)
    {
    }

    private PostgresMemoryStore((NpgsqlDataSource DataSource, bool Owned, string? Password) source, PostgresMemoryStoreOptions? options, TimeProvider? time, ILogger? logger)
    {
        try
        {
            _options = (options ?? new PostgresMemoryStoreOptions()).Validated();
            var builder = new NpgsqlConnectionStringBuilder(source.DataSource.ConnectionString);
            if (string.IsNullOrWhiteSpace(builder.Host))
            {
                throw new ArgumentException("The PostgreSQL connection string names no Host.", nameof(source));
            }

            if (builder.Multiplexing)
            {
                throw new ArgumentException("The PostgreSQL data source multiplexes: the change feed needs a connection of its own for LISTEN. Turn Multiplexing off.", nameof(source));
            }

            _schema = new PostgresSchema(_options.Schema);
            Description = DescribeStore(builder, _schema.Name);
        }
        catch when (source.Owned)
        {
            source.DataSource.Dispose();
            throw;
        }

        _dataSource = source.DataSource;
        _ownsDataSource = source.Owned;
        _password = source.Password;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _commandTimeout = (int)Math.Ceiling(_options.CommandTimeout.TotalSeconds);
    }

    /// <summary>"PostgreSQL store at" host:port/database and the schema in parentheses; never the password or any other setting.</summary>
    public string Description { get; }

    /// <summary>The schema holding the store's tables.</summary>
    public string Schema => _schema.Name;

    /// <summary>The notification channel its writes notify and its change feeds listen on.</summary>
    internal string Channel => _schema.Channel;

    /// <summary>The store's <see cref="Description"/>.</summary>
    /// <returns>The description, without the password.</returns>
    public override string ToString() => Description;

    /// <summary>
    /// Closes the store: ends its change feeds, waits for the calls in progress, and disposes the data
    /// source when the store built it. Later calls throw <see cref="ObjectDisposedException"/>;
    /// disposing again does nothing.
    /// </summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        int previous = Interlocked.Exchange(ref _state, Disposed);
        if (previous == Disposed)
        {
            return;
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        if (previous == Open)
        {
            Leave();
            await _drained.Task.ConfigureAwait(false);
        }

        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The connection string's data source and password (kept to redact it from messages), or an argument error without the string.</summary>
    private static (NpgsqlDataSource DataSource, bool Owned, string? Password) Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // Not chained: the inner exception may quote a value of the string.
            throw new ArgumentException($"The PostgreSQL connection string is not valid: {OneLine(Redact(e.Message, PasswordOf(connectionString)))}", nameof(connectionString));
        }

        string? password = string.IsNullOrEmpty(builder.Password) ? null : builder.Password;
        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new ArgumentException("The PostgreSQL connection string names no Host.", nameof(connectionString));
        }

        try
        {
            return (NpgsqlDataSource.Create(builder), Owned: true, password);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException or NotSupportedException)
        {
            throw new ArgumentException($"The PostgreSQL connection string is not valid: {OneLine(Redact(e.Message, password))}", nameof(connectionString));
        }
    }

    /// <summary>The password of a connection string that did not parse, if one can be found in it, to redact it all the same.</summary>
    private static string? PasswordOf(string connectionString)
    {
        foreach (string part in connectionString.Split(';'))
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && part[..equals].Trim().ToUpperInvariant() is "PASSWORD" or "PSW" or "PWD")
            {
                string value = part[(equals + 1)..].Trim();
                return value.Length == 0 ? null : value;
            }
        }

        return null;
    }

    private static string DescribeStore(NpgsqlConnectionStringBuilder builder, string schema)
    {
        string database = builder.Database ?? builder.Username ?? "postgres";
        return string.Create(CultureInfo.InvariantCulture, $"PostgreSQL store at {builder.Host}:{builder.Port}/{database} ({schema})");
    }

    /// <summary><paramref name="text"/> with every occurrence of <paramref name="password"/> replaced by <c>***</c>.</summary>
    internal static string Redact(string text, string? password) =>
        string.IsNullOrEmpty(password) ? text : text.Replace(password, "***", StringComparison.Ordinal);

    /// <summary>A message on one line: line breaks become spaces.</summary>
    internal static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    /// <summary>An exception's message and its causes', one line, password redacted: what the store says about a failure.</summary>
    private string Reason(Exception e)
    {
        string reason = e.Message;
        for (Exception? inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (!reason.Contains(inner.Message, StringComparison.Ordinal))
            {
                reason += ": " + inner.Message;
            }
        }

        return OneLine(Redact(reason, _password));
    }

    /// <summary>Starts a call on the open store; the lease ends it.</summary>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    private Call Enter()
    {
        Interlocked.Increment(ref _active);
        int state = Volatile.Read(ref _state);
        if (state != Open)
        {
            Leave();
            ObjectDisposedException.ThrowIf(state == Disposed, this);
            throw new InvalidOperationException($"The {Description} is not open: call OpenAsync first.");
        }

        return new Call(this);
    }

    private void Leave()
    {
        if (Interlocked.Decrement(ref _active) == 0)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>The model of the open store.</summary>
    private EmbeddingModel Model => Volatile.Read(ref _model) ?? throw new InvalidOperationException($"The {Description} is not open: call OpenAsync first.");

    private NpgsqlCommand Command(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null) =>
        new(sql, connection, transaction) { CommandTimeout = _commandTimeout };

    private NpgsqlBatch NewBatch(NpgsqlConnection connection, NpgsqlTransaction transaction) =>
        new(connection, transaction) { Timeout = _commandTimeout };

    /// <summary>A call in progress on the store.</summary>
    private readonly struct Call(PostgresMemoryStore store) : IDisposable
    {
        public void Dispose() => store.Leave();
    }
}
