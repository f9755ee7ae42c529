namespace CortexHybrid.IntegrationTests.Pipeline;

/// <summary>Runs its classes alone, after the parallel ones: their thresholds are on real time, on a shared 2-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PipelineTimingCollection : ICollectionFixture<ThreadPoolHeadroom>
{
    public const string Name = "Pipeline timing";
}
