using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace CortexHybrid.IntegrationTests.Package;

/// <summary>
/// Each library's symbol package holds the portable PDB of the very DLL in its .nupkg, with source
/// paths mapped to /_/ (ContinuousIntegrationBuild), so a debugger or a symbol server finds the
/// sources wherever the package was built.
/// </summary>
[Collection(PackedPackagesCollection.Name)]
public sealed class PackageSymbolsTests(PackedPackages packages)
{
    public static TheoryData<string> Libraries => [PackedPackages.Kernels, PackedPackages.Serving, PackedPackages.Memory];

    [Theory]
    [MemberData(nameof(Libraries))]
    public void The_symbol_package_holds_a_pdb_whose_source_paths_are_mapped(string id)
    {
        PackedPackage package = packages[id];
        Assert.True(File.Exists(package.SymbolsPath), $"{package.SymbolsPath} was not packed");

        List<string> documents = ReadPdb(package, reader => reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name)).ToList());
        Assert.NotEmpty(documents);
        string root = Path.TrimEndingDirectorySeparator(RepositoryPaths.Root);
        Assert.All(documents, document =>
        {
            Assert.StartsWith("/_/", document, StringComparison.Ordinal);
            Assert.DoesNotContain(root, document, StringComparison.Ordinal);
        });

        // Mapped from the repository root, so a path names the file in the repository.
        Assert.Contains(documents, d => d.StartsWith($"/_/src/{id}/", StringComparison.Ordinal) && d.EndsWith(".cs", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Libraries))]
    public void The_packaged_dll_points_to_the_pdb_in_the_symbol_package(string id)
    {
        PackedPackage package = packages[id];
        using var pe = new PEReader(new MemoryStream(package.ReadEntry($"lib/net10.0/{id}.dll")));
        DebugDirectoryEntry codeView = Assert.Single(pe.ReadDebugDirectory(), e => e.Type == DebugDirectoryEntryType.CodeView);
        CodeViewDebugDirectoryData pointer = pe.ReadCodeViewDebugDirectoryData(codeView);

        // The path the debugger is told about is mapped too, and names this PDB.
        Assert.StartsWith("/_/", pointer.Path, StringComparison.Ordinal);
        Assert.Equal($"{id}.pdb", Path.GetFileName(pointer.Path));

        // The PDB's id is the one the DLL was built with: a symbol server matches them by it.
        BlobContentId pdbId = ReadPdb(package, reader => new BlobContentId(reader.DebugMetadataHeader!.Id));
        Assert.Equal(pointer.Guid, pdbId.Guid);
        Assert.Equal(codeView.Stamp, pdbId.Stamp);
    }

    private static T ReadPdb<T>(PackedPackage package, Func<MetadataReader, T> read)
    {
        byte[] pdb = package.ReadSymbolsEntry($"lib/net10.0/{package.Id}.pdb");
        using var provider = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(pdb));
        return read(provider.GetMetadataReader());
    }
}
