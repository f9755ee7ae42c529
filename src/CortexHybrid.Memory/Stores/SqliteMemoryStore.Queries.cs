using Microsoft.Data.Sqlite;

namespace CortexHybrid.Memory.Stores;

public sealed partial class SqliteMemoryStore
{
    /// <summary>
    /// The recall-query counts. Not in <see cref="SchemaSql"/>: created at every open when missing,
    /// so a store made before it existed gets it too, without a schema version change.
    /// </summary>
    private const string CreateQueriesSql = "CREATE TABLE IF NOT EXISTS recall_queries (request TEXT PRIMARY KEY, count INTEGER NOT NULL)";

    private const string AddQuerySql = """
        INSERT INTO recall_queries (request, count) VALUES ($request, $count)
        ON CONFLICT (request) DO UPDATE SET count = count + excluded.count
        """;

    private static readonly string PruneQueriesSql =
        $"DELETE FROM recall_queries WHERE count = 0 OR request NOT IN (SELECT request FROM recall_queries ORDER BY count DESC, request LIMIT {FrequentQuery.MaxKept})";

    private static void CreateQueriesTable(SqliteConnection connection)
    {
        using SqliteCommand create = connection.CreateCommand();
        create.CommandText = CreateQueriesSql;
        create.ExecuteNonQuery();
    }

    /// <inheritdoc />
    /// <remarks>One transaction on the writer. Requests longer than <see cref="FrequentQuery.MaxRequestLength"/> or with a count below 1 are skipped.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="queries"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public async Task SaveFrequentQueriesAsync(IReadOnlyList<FrequentQuery> queries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        _ = Current();
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            SqliteConnection connection = Current().Writer.Connection;
            using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
            using (SqliteCommand age = connection.CreateCommand())
            {
                age.Transaction = transaction;
                age.CommandText = "UPDATE recall_queries SET count = count / 2";
                age.ExecuteNonQuery();
            }

            using (SqliteCommand add = connection.CreateCommand())
            {
                add.Transaction = transaction;
                add.CommandText = AddQuerySql;
                SqliteParameter request = add.Parameters.Add("$request", SqliteType.Text);
                SqliteParameter count = add.Parameters.Add("$count", SqliteType.Integer);
                foreach (FrequentQuery query in queries)
                {
                    if (query is not null && query.Count > 0 && query.Request.Length <= FrequentQuery.MaxRequestLength)
                    {
                        request.Value = query.Request;
                        count.Value = query.Count;
                        add.ExecuteNonQuery();
                    }
                }
            }

            using (SqliteCommand prune = connection.CreateCommand())
            {
                prune.Transaction = transaction;
                prune.CommandText = PruneQueriesSql;
                prune.ExecuteNonQuery();
            }

            cancellationToken.ThrowIfCancellationRequested();
            transaction.Commit();
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The store is not open.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public async Task<IReadOnlyList<FrequentQuery>> FrequentQueriesAsync(int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        Session session = Current();
        await using var lease = await session.Readers.AcquireAsync(cancellationToken).ConfigureAwait(false);
        using SqliteCommand select = lease.Value.CreateCommand();
        select.CommandText = "SELECT request, count FROM recall_queries ORDER BY count DESC, request LIMIT $limit";
        select.Parameters.Add("$limit", SqliteType.Integer).Value = limit;
        return Run(lease, () =>
        {
            var found = new List<FrequentQuery>();
            using SqliteDataReader reader = select.ExecuteReader();
            while (reader.Read())
            {
                found.Add(new FrequentQuery(reader.GetString(0), reader.GetInt64(1)));
            }

            return (IReadOnlyList<FrequentQuery>)found;
        });
    }
}
