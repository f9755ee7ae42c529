using CortexHybrid.Pooling;
using Microsoft.Data.Sqlite;

namespace CortexHybrid.Memory.Stores;

/// <summary>Opens the read-only connections of a <see cref="SqliteMemoryStore"/> for its <see cref="ResourcePool{T}"/>; the health check runs <c>SELECT 1</c>.</summary>
/// <remarks>
/// Microsoft.Data.Sqlite's own pooling is off in the connection string: the pool is the
/// <see cref="ResourcePool{T}"/>, and a destroyed connection must really close its file. Its
/// methods run synchronously, so these return completed tasks.
/// </remarks>
internal sealed class SqliteReadConnectionFactory(string connectionString, TimeSpan busyTimeout) : IResourceFactory<SqliteConnection>
{
    public ValueTask<SqliteConnection> CreateAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using SqliteCommand pragmas = connection.CreateCommand();
            pragmas.CommandText = SqliteMemoryStore.BusyTimeoutPragma(busyTimeout);
            pragmas.ExecuteNonQuery();
            return ValueTask.FromResult(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public ValueTask<bool> ValidateAsync(SqliteConnection resource, CancellationToken cancellationToken)
    {
        using SqliteCommand command = resource.CreateCommand();
        command.CommandText = "SELECT 1";
        return ValueTask.FromResult(command.ExecuteScalar() is long one && one == 1);
    }

    public ValueTask ResetAsync(SqliteConnection resource, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DestroyAsync(SqliteConnection resource)
    {
        resource.Dispose();
        return ValueTask.CompletedTask;
    }
}
