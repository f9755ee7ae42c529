namespace CortexHybrid.IntegrationTests.Package;

/// <summary>
/// The package tests share one set of packed packages, and run one after another: packing writes the
/// projects' obj/ and bin/ folders, which two packs at once would both write.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PackedPackagesCollection : ICollectionFixture<PackedPackages>
{
    public const string Name = "Packed packages";
}
