namespace CortexHybrid.Tests.Memory.Stores;

/// <summary>The collection of the timed ingestion test: run after the parallel tests, alone.</summary>
[CollectionDefinition(nameof(SqliteMemoryStoreIngestionTests), DisableParallelization = true)]
public sealed class SqliteIngestionCollection;
