using CortexHybrid.Pooling;
using Microsoft.Data.Sqlite;

namespace CortexHybrid.Memory.Vectors;

/// <summary>Opens read-only connections to the metadata file for the <see cref="ResourcePool{T}"/>; the health check runs <c>SELECT 1</c>.</summary>
/// <remarks>
/// Microsoft.Data.Sqlite's own connection pooling is off in the connection string: the
/// <see cref="ResourcePool{T}"/> is the pool, and a disposed connection must really close its file.
/// Its async methods run synchronously, so these calls are synchronous and return completed tasks.
/// </remarks>
internal sealed class SqliteConnectionFactory(string connectionString) : IResourceFactory<SqliteConnection>
{
    public ValueTask<SqliteConnection> CreateAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
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
