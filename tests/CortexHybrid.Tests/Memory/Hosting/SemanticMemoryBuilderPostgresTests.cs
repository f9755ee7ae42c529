using CortexHybrid.Memory;
using CortexHybrid.Memory.Stores;
using CortexHybrid.Tests.Memory.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CortexHybrid.Tests.Memory.Hosting;

/// <summary><c>services.AddSemanticMemory().UsePostgresStore(...)</c> in a real host, on a real server.</summary>
[Collection(PostgresStoreCollection.Name)]
public sealed class SemanticMemoryBuilderPostgresTests(PostgresStoreFixture fixture)
{
    [Fact]
    public async Task UsePostgresStore_keeps_the_memory_in_the_shared_store_with_the_options_given()
    {
        string schema = PostgresStoreFixture.NewSchema();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddSemanticMemory()
            .UsePostgresStore(fixture.ConnectionString, o =>
            {
                o.Schema = schema;
                o.ChangePollInterval = TimeSpan.FromSeconds(2);
            })
            .UseEmbeddings(_ => new WordHashEmbeddingGenerator());
        using IHost host = builder.Build();
        await host.StartAsync();

        SemanticMemory memory = host.Services.GetRequiredService<SemanticMemory>();
        PostgresMemoryStore store = Assert.IsType<PostgresMemoryStore>(memory.Store);
        Assert.Equal(schema, store.Schema);
        Assert.Equal(0, memory.AppliedChangeSequence);
        long id = (await memory.RememberAsync("registered through the container")).Id;
        Assert.Equal([$"{id}|registered through the container"], await fixture.QueryAsync($"SELECT id, text FROM \"{schema}\".memories"));
        Assert.DoesNotContain(fixture.Server.TestPassword, memory.GetStatus().Store, StringComparison.Ordinal);
        await host.StopAsync();
    }

    [Fact]
    public void UsePostgresStore_checks_its_arguments_and_options_when_called()
    {
        var services = new ServiceCollection();
        Assert.Throws<ArgumentException>(() => services.AddSemanticMemory().UsePostgresStore(" "));
        Assert.Throws<ArgumentException>(() => services.AddSemanticMemory().UsePostgresStore(fixture.ConnectionString, o => o.Schema = "Not Valid"));
        Assert.Throws<ArgumentOutOfRangeException>(() => services.AddSemanticMemory().UsePostgresStore(fixture.ConnectionString, o => o.CommandTimeout = TimeSpan.Zero));
    }
}
