using System.Net;
using System.Net.Sockets;
using CortexHybrid.Memory;
using CortexHybrid.Memory.Stores;
using CortexHybrid.Tests.Support;
using Npgsql;
using static CortexHybrid.Tests.Memory.Stores.StoreTestData;

namespace CortexHybrid.Tests.Memory.Stores;

/// <summary>
/// The password of a PostgreSQL connection string never shows: not in the store's description (what
/// memory_status and the logs show), not in any exception the store throws, whether the string is
/// malformed, the server unreachable, the login or the database refused.
/// </summary>
[Collection(PostgresStoreCollection.Name)]
public sealed class PostgresMemoryStoreSecretTests(PostgresStoreFixture fixture)
{
    private const string Secret = "Hush-7f3a-Pa55w0rd-Never-Shown";

    [Fact]
    public async Task The_description_names_host_port_database_and_schema_only()
    {
        string schema = PostgresStoreFixture.NewSchema();
        NpgsqlConnectionStringBuilder builder = fixture.Server.Builder(PostgresServer.TestUser, fixture.Server.TestPassword, PostgresServer.Database);
        builder.PersistSecurityInfo = true;
        builder.ApplicationName = "cortex";
        await using var store = new PostgresMemoryStore(builder.ConnectionString, PostgresStoreFixture.Options(schema));

        string expected = $"PostgreSQL store at 127.0.0.1:{fixture.Server.Port}/{PostgresServer.Database} ({schema})";
        Assert.Equal(expected, store.Description);
        Assert.Equal(expected, store.ToString());
        Assert.DoesNotContain(fixture.Server.TestPassword, store.Description, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresServer.TestUser, store.Description, StringComparison.Ordinal);

        await using var memory = new SemanticMemory(store, new WordHashEmbeddingGenerator());
        await memory.OpenAsync();
        await memory.RememberAsync("status after a write");
        MemoryStatus status = memory.GetStatus();
        Assert.Equal(expected, status.Store);
        Assert.DoesNotContain(fixture.Server.TestPassword, System.Text.Json.JsonSerializer.Serialize(status), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Password=" + Secret + ";Port=not-a-port")]
    [InlineData("Host=127.0.0.1;Password=" + Secret + ";Bogus Setting=1")]
    [InlineData("Host=127.0.0.1;Password=" + Secret + ";Timeout=-5")]
    [InlineData("Password=" + Secret + ";Database=cortex")]
    [InlineData("Host=127.0.0.1;Password='" + Secret)]
    [InlineData("Host=127.0.0.1;Password=" + Secret + ";Multiplexing=true;Port=5")]
    public void A_malformed_connection_string_is_refused_without_its_password(string connectionString)
    {
        Exception e = Record.Exception(() => new PostgresMemoryStore(connectionString));
        Assert.IsAssignableFrom<ArgumentException>(e);
        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_a_refused_login_or_a_missing_database_fail_without_the_password()
    {
        NpgsqlConnectionStringBuilder unreachable = fixture.Server.Builder(PostgresServer.TestUser, Secret, PostgresServer.Database);
        unreachable.Port = ClosedPort();
        NpgsqlConnectionStringBuilder wrongPassword = fixture.Server.Builder(PostgresServer.TestUser, Secret, PostgresServer.Database);
        NpgsqlConnectionStringBuilder noDatabase = fixture.Server.Builder(PostgresServer.TestUser, fixture.Server.TestPassword, "no_such_database");

        foreach ((NpgsqlConnectionStringBuilder builder, string password) in new[] { (unreachable, Secret), (wrongPassword, Secret), (noDatabase, fixture.Server.TestPassword) })
        {
            await using var store = new PostgresMemoryStore(builder.ConnectionString, PostgresStoreFixture.Options(PostgresStoreFixture.NewSchema()));
            MemoryStoreUnavailableException e = await Assert.ThrowsAsync<MemoryStoreUnavailableException>(() => store.OpenAsync(Model));
            Assert.StartsWith($"The {store.Description} cannot be opened: ", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', e.Message);
            Assert.DoesNotContain(password, e.ToString(), StringComparison.Ordinal);

            // The memory over it reports the same, and its status is never reached.
            await using var memory = new SemanticMemory(store, new WordHashEmbeddingGenerator("test/model-a", Model.Dimensions));
            Exception again = await Assert.ThrowsAsync<MemoryStoreUnavailableException>(() => memory.OpenAsync());
            Assert.DoesNotContain(password, again.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_failed_read_or_write_on_an_open_store_carries_no_password()
    {
        string schema = PostgresStoreFixture.NewSchema();
        await using PostgresMemoryStore store = await fixture.OpenAsync(schema);
        await fixture.ExecuteAsync($"DROP TABLE \"{schema}\".tags");

        Exception write = await Assert.ThrowsAnyAsync<Exception>(() => store.AddAsync([Draft("x", tags: ["t"])]));
        Exception read = await Assert.ThrowsAnyAsync<Exception>(() => store.CountAsync("t"));
        Assert.DoesNotContain(fixture.Server.TestPassword, write.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Server.TestPassword, read.ToString(), StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
