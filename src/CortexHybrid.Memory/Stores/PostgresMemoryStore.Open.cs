using System.Globalization;
using Npgsql;

namespace CortexHybrid.Memory.Stores;

public sealed partial class PostgresMemoryStore
{
    /// <summary>
    /// Opens the store: connects, creates the schema and its tables when missing and records
    /// <paramref name="model"/> in them, or checks it against the model an existing schema records;
    /// all in one transaction under the schema's advisory lock, so instances opening at once wait
    /// for each other and the schema is created once.
    /// </summary>
    /// <param name="model">The embedding model of the vectors it will receive.</param>
    /// <param name="cancellationToken">Cancels the opening.</param>
    /// <returns>The store's model and size, and whether this opening created it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="model"/>'s id is blank or its dimension is not positive.</exception>
    /// <exception cref="MemoryStoreModelMismatchException">The schema records another model id or dimension; nothing was changed.</exception>
    /// <exception cref="MemoryStoreUnavailableException">
    /// The server cannot be reached, refuses the login or the database, the schema cannot be created
    /// (no privilege), or it is not a memory store (tables without a <c>meta</c> table, a newer
    /// schema version); one line naming the store and the reason, without the password, and nothing
    /// was changed.
    /// </exception>
    /// <exception cref="InvalidOperationException">The store is open or being opened.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>A failed opening leaves the store closed: it may be opened again.</remarks>
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
                throw new ObjectDisposedException(nameof(PostgresMemoryStore), $"The {Description} was disposed.");
            case Opening:
            case Open:
                throw new InvalidOperationException($"The {Description} is already open (or being opened): open a store once.");
        }

        MemoryStoreInfo info;
        try
        {
            info = await OpenSchemaAsync(model, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _state, New, Opening);
            if (e is (NpgsqlException or TimeoutException or IOException or System.Net.Sockets.SocketException) and not MemoryStoreUnavailableException && !cancellationToken.IsCancellationRequested)
            {
                throw new MemoryStoreUnavailableException($"The {Description} cannot be opened: {Reason(e)}", Sanitized(e));
            }

            throw;
        }

        Volatile.Write(ref _model, model);
        Interlocked.Increment(ref _active);
        if (Interlocked.CompareExchange(ref _state, Open, Opening) != Opening)
        {
            // Disposed while opening: the disposal found nothing open to wait for.
            throw new ObjectDisposedException(nameof(PostgresMemoryStore), $"The {Description} was disposed while it opened.");
        }

        return info;
    }

    /// <summary>
    /// The cause to chain to an unavailability: Npgsql's connection failures carry no connection
    /// string, but a message holding the password (which PostgreSQL never echoes) is not chained.
    /// </summary>
    private Exception? Sanitized(Exception e) =>
        _password is not null && e.ToString().Contains(_password, StringComparison.Ordinal) ? null : e;

    private async Task<MemoryStoreInfo> OpenSchemaAsync(EmbeddingModel model, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        bool metaExists;
        bool schemaExists;
        long tables;
        await using (NpgsqlBatch batch = NewBatch(connection, transaction))
        {
            batch.BatchCommands.Add(LockCommand());
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "SELECT to_regclass(quote_ident($1) || '.meta') IS NOT NULL, EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1), (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1)")
            {
                Parameters = { new() { Value = _schema.Name } },
            });
            await using NpgsqlDataReader reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            metaExists = reader.GetBoolean(0);
            schemaExists = reader.GetBoolean(1);
            tables = reader.GetInt64(2);
        }

        bool created;
        if (metaExists)
        {
            await CheckMetaAsync(connection, transaction, model, cancellationToken).ConfigureAwait(false);
            created = false;
        }
        else if (schemaExists && tables > 0)
        {
            throw NotAStore($"its schema {_schema.Name} holds {tables} relations but no meta table");
        }
        else
        {
            await using (NpgsqlCommand create = Command(connection, schemaExists ? _schema.CreateTablesSql : _schema.CreateSchemaSql + ";\n" + _schema.CreateTablesSql, transaction))
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (NpgsqlCommand insert = Command(connection, _schema.InsertMetaSql, transaction))
            {
                insert.Parameters.Add(new() { Value = PostgresSchema.Version.ToString(CultureInfo.InvariantCulture) });
                insert.Parameters.Add(new() { Value = model.Id });
                insert.Parameters.Add(new() { Value = model.Dimensions.ToString(CultureInfo.InvariantCulture) });
                insert.Parameters.Add(new() { Value = _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) });
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            created = true;
        }

        await using (NpgsqlCommand queries = Command(connection, _schema.CreateQueriesSql, transaction))
        {
            await queries.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        long count;
        await using (NpgsqlCommand select = Command(connection, _schema.CountSql, transaction))
        {
            count = (long)(await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        cancellationToken.ThrowIfCancellationRequested();
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new MemoryStoreInfo(model, count, created);
    }

    /// <summary>Reads the schema's <c>meta</c> table and checks its version and model.</summary>
    /// <exception cref="MemoryStoreUnavailableException">It holds no or a newer schema version, or no model.</exception>
    /// <exception cref="MemoryStoreModelMismatchException">It records another model.</exception>
    private async Task CheckMetaAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EmbeddingModel model, CancellationToken cancellationToken)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (NpgsqlCommand select = Command(connection, _schema.ReadMetaSql, transaction))
        await using (NpgsqlDataReader reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                meta[reader.GetString(0)] = reader.GetString(1);
            }
        }

        if (!meta.TryGetValue("schema_version", out string? version) || !int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out int schema))
        {
            throw NotAStore("its meta table holds no schema version");
        }

        if (schema != PostgresSchema.Version)
        {
            throw NotAStore($"its schema is version {schema}; this CortexHybrid.Memory reads version {PostgresSchema.Version}");
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
    }

    private MemoryStoreUnavailableException NotAStore(string reason) =>
        new($"The {Description} is not a memory store: {reason}. Nothing was changed: use another schema.");
}
