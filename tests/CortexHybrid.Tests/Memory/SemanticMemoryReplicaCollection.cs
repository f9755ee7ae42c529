using CortexHybrid.Tests.Memory.Stores;

namespace CortexHybrid.Tests.Memory;

/// <summary>The replica tests (<see cref="SemanticMemoryReplicaTests"/>): a PostgreSQL cluster of their own, which they restart.</summary>
[CollectionDefinition(Name)]
public sealed class SemanticMemoryReplicaCollection : ICollectionFixture<PostgresStoreFixture>
{
    public const string Name = "SemanticMemory replicas on PostgreSQL";
}
