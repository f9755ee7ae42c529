using CortexHybrid.Memory.Stores;
using CortexHybrid.Tests.Support;
using Npgsql;

namespace CortexHybrid.Tests.Memory.Stores;

/// <summary>A PostgreSQL server of its own for each collection (one test class each), and stores on fresh schemas of it.</summary>
public sealed class PostgresStoreFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    /// <summary>The server (started); the collection's tests fail with its message when it cannot start.</summary>
    public PostgresServer Server => _server ?? throw new InvalidOperationException("The PostgreSQL server did not start.");

    public string ConnectionString => Server.ConnectionString;

    public async Task InitializeAsync()
    {
        _server = new PostgresServer();
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A schema name no other test uses.</summary>
    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>Options for <paramref name="schema"/>, with a short poll so outage tests do not wait long.</summary>
    public static PostgresMemoryStoreOptions Options(string schema) => new()
    {
        Schema = schema,
        ChangePollInterval = TimeSpan.FromSeconds(1),
        ReconnectDelay = TimeSpan.FromMilliseconds(50),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>A store on <paramref name="schema"/> (a new one when null), opened with <paramref name="model"/>.</summary>
    public Task<PostgresMemoryStore> OpenAsync(string? schema = null, EmbeddingModel? model = null, string? connectionString = null) =>
        OpenStoreAsync(connectionString ?? ConnectionString, Options(schema ?? NewSchema()), model);

    public static async Task<PostgresMemoryStore> OpenStoreAsync(string connectionString, PostgresMemoryStoreOptions options, EmbeddingModel? model = null)
    {
        var store = new PostgresMemoryStore(connectionString, options);
        try
        {
            await store.OpenAsync(model ?? StoreTestData.Model);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="sql"/> as the test role and returns its rows, each as its columns' text joined by |.</summary>
    public async Task<List<string>> QueryAsync(string sql, string? connectionString = null)
    {
        await using var connection = new NpgsqlConnection(connectionString ?? ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i) is byte[] bytes ? Convert.ToHexString(bytes) : reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        }

        return rows;
    }

    /// <summary>Runs statements as the test role.</summary>
    public async Task ExecuteAsync(string sql, string? connectionString = null)
    {
        await using var connection = new NpgsqlConnection(connectionString ?? ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Everything a schema holds, as text: its relations, and every row of its tables (when they
    /// exist) and the sequences' positions; equal snapshots mean nothing was changed.
    /// </summary>
    public async Task<string> SnapshotAsync(string schema)
    {
        var parts = new List<string>();
        parts.AddRange(await QueryAsync($"SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '{schema}' ORDER BY c.relname"));
        foreach (string table in (await QueryAsync($"SELECT tablename FROM pg_tables WHERE schemaname = '{schema}' ORDER BY tablename")))
        {
            parts.Add("table " + table);
            parts.AddRange(await QueryAsync($"SELECT t::text FROM \"{schema}\".\"{table}\" t ORDER BY t::text"));
        }

        foreach (string sequence in (await QueryAsync($"SELECT sequencename FROM pg_sequences WHERE schemaname = '{schema}' ORDER BY sequencename")))
        {
            parts.AddRange(await QueryAsync($"SELECT '{sequence}', last_value, is_called FROM \"{schema}\".\"{sequence}\""));
        }

        return string.Join('\n', parts);
    }
}
