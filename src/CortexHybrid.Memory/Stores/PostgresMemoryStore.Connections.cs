using System.Data;
using System.Diagnostics;
using Npgsql;

namespace CortexHybrid.Memory.Stores;

public sealed partial class PostgresMemoryStore
{
    /// <summary>
    /// Runs <paramref name="work"/> on a connection of the pool. When the server restarted (or
    /// terminated the backend) since the connection was last used, the pool still holds it and the
    /// first command on it fails; every idle connection of the pool is as dead. So a connection found
    /// broken before <paramref name="work"/> started to commit clears the pool (idle connections are
    /// closed, the busy ones are not returned) and the work runs once more on a new connection: the
    /// caller sees a restart only when the server is still away. A transaction that failed this way
    /// was rolled back by the server, so running it again stores nothing twice.
    /// </summary>
    /// <typeparam name="T">What the work returns.</typeparam>
    /// <param name="work">The work; it calls <see cref="Attempt.Commit"/> just before committing, after which a failure is not retried (the commit's outcome is unknown).</param>
    /// <param name="cancellationToken">Cancels the work; a cancelled call is not retried.</param>
    /// <returns>What the work returned.</returns>
    private async Task<T> OnConnectionAsync<T>(Func<NpgsqlConnection, Attempt, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        for (int tries = 1; ; tries++)
        {
            var attempt = new Attempt();
            string? broken = null;

            // A failure to open propagates: the server is away, and trying again at once would not help.
            NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await work(connection, attempt, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (tries == 1 && !attempt.Committing && !cancellationToken.IsCancellationRequested && IsBroken(connection, e))
            {
                // Looked at here, before the connection is closed: closing resets its state.
                broken = Reason(e);
            }
            finally
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            Debug.Assert(broken is not null, "Only a broken connection's failure is caught.");
            _dataSource.Clear();
            PostgresStoreLog.BrokenConnectionReplaced(_logger, Description, broken);
        }
    }

    /// <summary>
    /// Whether a command failed because its pooled connection is dead: Npgsql marked it broken (the
    /// socket closed under it), or the server ended the session with a <c>FATAL</c> error (such as
    /// <c>57P01</c>, terminated by an administrator or a shutdown).
    /// </summary>
    private static bool IsBroken(NpgsqlConnection connection, Exception e) =>
        e is NpgsqlException
        && (connection.FullState.HasFlag(ConnectionState.Broken)
            || (e is PostgresException postgres && string.Equals(postgres.InvariantSeverity, "FATAL", StringComparison.Ordinal)));

    /// <summary>One run of a unit of work on a connection: whether it has reached its commit.</summary>
    private sealed class Attempt
    {
        /// <summary>Whether the work has started to commit, after which a failure is not retried.</summary>
        public bool Committing { get; private set; }

        /// <summary>Marks the commit as started.</summary>
        public void Commit() => Committing = true;
    }
}
