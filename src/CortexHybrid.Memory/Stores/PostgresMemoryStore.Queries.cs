using Npgsql;

namespace CortexHybrid.Memory.Stores;

public sealed partial class PostgresMemoryStore
{
    /// <inheritdoc />
    /// <remarks>
    /// One transaction: every instance's counts meet in one table, so what the cluster asks most
    /// is what each instance warms. Requests longer than <see cref="FrequentQuery.MaxRequestLength"/>
    /// or with a count below 1 are skipped.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="queries"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="NpgsqlException">The server cannot be reached or failed the write.</exception>
    public async Task SaveFrequentQueriesAsync(IReadOnlyList<FrequentQuery> queries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        using Call call = Enter();
        FrequentQuery[] kept = [.. queries.Where(q => q is not null && q.Count > 0 && q.Request.Length <= FrequentQuery.MaxRequestLength)];
        await OnConnectionAsync(
            async (connection, attempt, token) =>
            {
                await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(token).ConfigureAwait(false);
                await using (NpgsqlBatch batch = NewBatch(connection, transaction))
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(_schema.AgeQueriesSql));
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(_schema.AddQueriesSql)
                    {
                        Parameters = { new() { Value = kept.Select(q => q.Request).ToArray() }, new() { Value = kept.Select(q => q.Count).ToArray() } },
                    });
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(_schema.PruneQueriesSql));
                    await batch.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                }

                token.ThrowIfCancellationRequested();
                attempt.Commit();
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="NpgsqlException">The server cannot be reached or failed the read.</exception>
    public async Task<IReadOnlyList<FrequentQuery>> FrequentQueriesAsync(int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        using Call call = Enter();
        return await OnConnectionAsync<IReadOnlyList<FrequentQuery>>(
            async (connection, _, token) =>
            {
                await using NpgsqlCommand select = Command(connection, _schema.FrequentQueriesSql);
                select.Parameters.Add(new() { Value = limit });
                var found = new List<FrequentQuery>();
                await using NpgsqlDataReader reader = await select.ExecuteReaderAsync(token).ConfigureAwait(false);
                while (await reader.ReadAsync(token).ConfigureAwait(false))
                {
                    found.Add(new FrequentQuery(reader.GetString(0), reader.GetInt64(1)));
                }

                return found;
            },
            cancellationToken).ConfigureAwait(false);
    }
}
