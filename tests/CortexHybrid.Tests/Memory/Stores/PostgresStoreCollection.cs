namespace CortexHybrid.Tests.Memory.Stores;

/// <summary>The PostgreSQL store tests (<see cref="PostgresMemoryStoreTests"/>): a cluster of their own, a schema of its own for each test.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresStoreCollection : ICollectionFixture<PostgresStoreFixture>
{
    public const string Name = "PostgreSQL store";
}
