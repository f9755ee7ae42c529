using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace CortexHybrid.Tests.Support;

/// <summary>
/// A real PostgreSQL server: a throwaway cluster (<c>initdb</c>) in a temporary directory, run by
/// <c>pg_ctl</c> on a free loopback port (its socket in the same directory), with password
/// (SCRAM) logins only. A superuser <see cref="AdminUser"/> manages it; the tests log in as
/// <see cref="TestUser"/>, owner of the database <see cref="Database"/>, with a distinctive
/// password (<see cref="TestPassword"/>) that redaction tests look for.
/// </summary>
/// <remarks>
/// Run as root (as the tests are here), initdb refuses to run, so the cluster belongs to the
/// <c>postgres</c> user (which Debian's <c>postgresql</c> package creates) and every
/// <c>initdb</c>/<c>pg_ctl</c> runs through <c>runuser -u postgres --</c>. <see cref="StopAsync"/>
/// shuts it down cleanly, <see cref="KillAsync"/> crashes it (<c>pg_ctl stop -m immediate</c>: no
/// checkpoint, clients cut off, recovery at the next start), <see cref="StartAsync"/> starts it
/// again on the same port with its data, <see cref="RestartAsync"/> is <c>pg_ctl restart</c>;
/// disposing kills it and deletes the directory.
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string AdminUser = "cortex_admin";
    public const string TestUser = "cortex_test";
    public const string Database = "cortex";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly TemporaryDirectory _directory = new();
    private bool _initialized;
    private bool _running;

    /// <summary>Finds the binaries and a free port; creates nothing yet.</summary>
    /// <exception cref="InvalidOperationException">PostgreSQL is not installed, or the tests run as root and there is no <c>postgres</c> user to run it.</exception>
    public PostgresServer()
    {
        BinDirectory = FindBinDirectory();
        RunAsPostgres = Environment.IsPrivilegedProcess;
        if (RunAsPostgres && !File.ReadLines("/etc/passwd").Any(line => line.StartsWith("postgres:", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException(
                "The PostgreSQL tests run as root, and initdb refuses root: they run the server as the postgres user, which does not exist. "
                + "Install Debian's postgresql package (`apt-get install -y postgresql`, which creates it), or run the tests as another user.");
        }

        Port = FreePort();
        string suffix = Convert.ToHexString(RandomNumberGenerator.GetBytes(6));
        AdminPassword = "admin-" + suffix;
        TestPassword = "Quokka-Zebra-9-" + suffix + "-SeCrEt";
    }

    /// <summary>The directory of <c>initdb</c>, <c>pg_ctl</c> and <c>postgres</c>.</summary>
    public string BinDirectory { get; }

    /// <summary>Whether the server runs as the <c>postgres</c> user (the tests run as root).</summary>
    public bool RunAsPostgres { get; }

    /// <summary>The loopback port the server listens on (the same across restarts).</summary>
    public int Port { get; private set; }

    public string AdminPassword { get; }

    /// <summary>The test role's password: distinctive, so a test can look for it in any text.</summary>
    public string TestPassword { get; }

    public string DataDirectory => Path.Combine(_directory.Path, "data");

    public string LogFile => Path.Combine(_directory.Path, "server.log");

    public bool IsRunning => _running;

    /// <summary>The test role's connection string to <see cref="Database"/>, with its password.</summary>
    public string ConnectionString => Builder(TestUser, TestPassword, Database).ConnectionString;

    /// <summary>The superuser's connection string to <see cref="Database"/>, unpooled: a restart leaves no dead connection of it behind.</summary>
    public string AdminConnectionString
    {
        get
        {
            NpgsqlConnectionStringBuilder builder = Builder(AdminUser, AdminPassword, Database);
            builder.Pooling = false;
            return builder.ConnectionString;
        }
    }

    /// <summary>The test role's connection string with other settings.</summary>
    public NpgsqlConnectionStringBuilder Builder(string user, string password, string database) => new()
    {
        Host = "127.0.0.1",
        Port = Port,
        Database = database,
        Username = user,
        Password = password,
        Timeout = 5,
        CommandTimeout = 30,
    };

    /// <summary>
    /// Starts the server and returns once it accepts connections: the first start creates the
    /// cluster, the test role and database (and moves to another free port if the chosen one was
    /// taken meanwhile); a restart keeps its port and data.
    /// </summary>
    public async Task StartAsync()
    {
        if (_running)
        {
            throw new InvalidOperationException($"PostgreSQL is already running on port {Port}.");
        }

        if (!_initialized)
        {
            InitializeCluster();
        }

        for (int attempt = 1; ; attempt++)
        {
            (int code, string output) = PgCtl("start", "-w", "-t", ((int)StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-l", LogFile, "-o", ServerOptions());
            if (code == 0)
            {
                break;
            }

            if (_initialized || attempt == 3)
            {
                throw new InvalidOperationException($"PostgreSQL did not start on 127.0.0.1:{Port} (pg_ctl exited with {code}): {output}{Environment.NewLine}Its log:{Environment.NewLine}{LogTail()}");
            }

            // Another process took the port between the probe and the start: try another.
            Port = FreePort();
        }

        _running = true;
        if (!_initialized)
        {
            try
            {
                await CreateTestRoleAsync();
            }
            catch
            {
                await KillAsync();
                throw;
            }

            _initialized = true;
        }
    }

    private async Task CreateTestRoleAsync()
    {
        // Several collections start their clusters at once on two cores: the first connection to a
        // new cluster has been seen to take over the usual 5 s there.
        NpgsqlConnectionStringBuilder builder = Builder(AdminUser, AdminPassword, "postgres");
        builder.Timeout = 60;
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        foreach (string sql in (string[])[$"CREATE ROLE {TestUser} LOGIN PASSWORD '{TestPassword}'", $"CREATE DATABASE {Database} OWNER {TestUser}"])
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Shuts the server down cleanly (<c>pg_ctl stop -m fast</c>): clients are disconnected.</summary>
    public Task StopAsync() => StopAsync("fast");

    /// <summary>Crashes the server (<c>pg_ctl stop -m immediate</c>), as an outage would: no checkpoint, every client cut off.</summary>
    public Task KillAsync() => StopAsync("immediate");

    /// <summary>
    /// Restarts the server (<c>pg_ctl restart -m fast</c>): every client is disconnected, and the
    /// server comes back on the same port with its data; returns once it accepts connections.
    /// </summary>
    public Task RestartAsync()
    {
        if (!_running)
        {
            throw new InvalidOperationException("PostgreSQL is not running: start it first.");
        }

        (int code, string output) = PgCtl("restart", "-w", "-m", "fast", "-t", ((int)StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-l", LogFile, "-o", ServerOptions());
        if (code != 0)
        {
            _running = File.Exists(Path.Combine(DataDirectory, "postmaster.pid"));
            throw new InvalidOperationException($"pg_ctl restart failed with exit code {code}: {output}{Environment.NewLine}Its log:{Environment.NewLine}{LogTail()}");
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Terminates (<c>pg_terminate_backend</c>, as an administrator or a failover would) the test
    /// role's backends, those of one application name and/or whose last statement is like
    /// <paramref name="queryLike"/> (an ILIKE pattern); returns how many.
    /// </summary>
    public async Task<int> TerminateBackendsAsync(string? applicationName = null, string? queryLike = null)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = $1 AND ($2::text IS NULL OR application_name = $2) AND ($3::text IS NULL OR query ILIKE $3)",
            connection);
        command.Parameters.Add(new() { Value = TestUser });
        command.Parameters.Add(new() { Value = (object?)applicationName ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)queryLike ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        if (_running)
        {
            await KillAsync();
        }

        NpgsqlConnection.ClearAllPools();
        _directory.Dispose();
    }

    /// <summary>The last lines of the server's log.</summary>
    public string LogTail(int lines = 40) =>
        File.Exists(LogFile) ? string.Join(Environment.NewLine, File.ReadLines(LogFile).TakeLast(lines)) : "(no log)";

    /// <summary>
    /// The newest <c>/usr/lib/postgresql/*/bin</c> that holds <c>initdb</c> and <c>pg_ctl</c>, else the
    /// directory of <c>initdb</c> on PATH.
    /// </summary>
    /// <exception cref="InvalidOperationException">Neither has them.</exception>
    public static string FindBinDirectory()
    {
        static bool Complete(string directory) =>
            File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl")) && File.Exists(Path.Combine(directory, "postgres"));

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            string? newest = Directory.GetDirectories("/usr/lib/postgresql")
                .Select(version => (Version: int.TryParse(Path.GetFileName(version), NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : -1, Bin: Path.Combine(version, "bin")))
                .Where(candidate => candidate.Version >= 0 && Complete(candidate.Bin))
                .OrderByDescending(candidate => candidate.Version)
                .Select(candidate => candidate.Bin)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string initdb = Path.Combine(directory, "initdb");
            if (File.Exists(initdb))
            {
                // A symbolic link (Debian's /usr/local/bin ones) points into the real bin directory.
                string real = new FileInfo(initdb).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? initdb;
                string bin = Path.GetDirectoryName(real)!;
                if (Complete(bin))
                {
                    return bin;
                }
            }
        }

        throw new InvalidOperationException(
            "The PostgreSQL tests need a real PostgreSQL server (initdb, pg_ctl and postgres), and none was found in /usr/lib/postgresql/*/bin or on PATH. "
            + "Install it with `apt-get install -y postgresql` (the build's Test target installs it).");
    }

    private void InitializeCluster()
    {
        string passwordFile = Path.Combine(_directory.Path, "admin-password");
        File.WriteAllText(passwordFile, AdminPassword + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        if (RunAsPostgres)
        {
            Check("chown", ChildProcess.Run("chown", ["-R", "postgres:postgres", _directory.Path]));
        }

        (int code, string output) = Postgres("initdb", "-D", DataDirectory, "-U", AdminUser, "--pwfile=" + passwordFile, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions");
        File.Delete(passwordFile);
        if (code != 0)
        {
            throw new InvalidOperationException($"initdb failed with exit code {code}: {output}");
        }
    }

    /// <summary>The server's settings: loopback only, the socket in the temporary directory, no fsync (a throwaway cluster), room for the tests' pools.</summary>
    private string ServerOptions() => string.Join(' ',
        "-p", Port.ToString(CultureInfo.InvariantCulture),
        "-k", _directory.Path,
        "-c", "listen_addresses=127.0.0.1",
        "-c", "fsync=off",
        "-c", "full_page_writes=off",
        "-c", "max_connections=300",
        "-c", "shared_buffers=32MB");

    private Task StopAsync(string mode)
    {
        if (!_running)
        {
            return Task.CompletedTask;
        }

        (int code, string output) = PgCtl("stop", "-w", "-t", "30", "-m", mode);
        _running = false;
        if (code != 0 && File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            throw new InvalidOperationException($"pg_ctl stop -m {mode} failed with exit code {code}: {output}");
        }

        // pg_ctl -w returns once the postmaster is gone, its port closed.
        return Task.CompletedTask;
    }

    private (int Code, string Output) PgCtl(params string[] arguments) => Postgres("pg_ctl", ["-D", DataDirectory, .. arguments]);

    /// <summary>Runs a PostgreSQL program, as the postgres user when the tests run as root.</summary>
    private (int Code, string Output) Postgres(string program, params string[] arguments)
    {
        string executable = Path.Combine(BinDirectory, program);
        (int code, string output, string error) = RunAsPostgres
            ? ChildProcess.Run("runuser", ["-u", "postgres", "--", executable, .. arguments], workingDirectory: _directory.Path, timeout: TimeSpan.FromMinutes(2))
            : ChildProcess.Run(executable, arguments, workingDirectory: _directory.Path, timeout: TimeSpan.FromMinutes(2));
        return (code, (output + error).Trim());
    }

    private static void Check(string what, (int ExitCode, string Output, string Error) result)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed with exit code {result.ExitCode}: {result.Output}{result.Error}");
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
