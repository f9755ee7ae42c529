namespace CortexHybrid.Tests.Memory.Stores;

/// <summary>The change feed tests (<see cref="PostgresChangeFeedTests"/>): a cluster of their own, which they restart and whose backends they terminate.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresChangeFeedCollection : ICollectionFixture<PostgresStoreFixture>
{
    public const string Name = "PostgreSQL change feed";
}
