using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CortexHybrid.IntegrationTests.Package;

/// <summary>One package in a folder feed: its .nupkg, its .snupkg, and the .nuspec metadata inside the .nupkg.</summary>
public sealed class PackedPackage
{
    private readonly XNamespace _ns;

    /// <summary>Finds the package <paramref name="id"/> in <paramref name="directory"/> (exactly one version of it) and reads its .nuspec.</summary>
    public PackedPackage(string directory, string id)
    {
        // CortexHybrid.0.1.0.nupkg, not CortexHybrid.Serving.0.1.0.nupkg: the id is followed by a version.
        var name = new Regex($@"^{Regex.Escape(id)}\.\d+\.\d+\.\d+[^/]*\.nupkg$", RegexOptions.IgnoreCase);
        Id = id;
        PackagePath = Assert.Single(Directory.GetFiles(directory, "*.nupkg"), file => name.IsMatch(System.IO.Path.GetFileName(file)));
        SymbolsPath = System.IO.Path.ChangeExtension(PackagePath, ".snupkg");

        using ZipArchive package = ZipFile.OpenRead(PackagePath);
        Entries = package.Entries.Select(e => e.FullName).ToArray();
        ZipArchiveEntry nuspec = Assert.Single(package.Entries, e => e.FullName.Equals($"{id}.nuspec", StringComparison.OrdinalIgnoreCase));
        using Stream stream = nuspec.Open();
        XElement root = XDocument.Load(stream).Root ?? throw new InvalidDataException($"{PackagePath}: empty .nuspec");

        // The schema namespace varies with the features used (a tool's is older than a library's).
        _ns = root.Name.Namespace;
        Metadata = root.Element(_ns + "metadata") ?? throw new InvalidDataException($"{PackagePath}: no <metadata>");
        Version = Metadata.Element(_ns + "version")?.Value ?? throw new InvalidDataException($"{PackagePath}: no <version>");
    }

    public string Id { get; }

    public string Version { get; }

    /// <summary>The .nupkg file.</summary>
    public string PackagePath { get; }

    /// <summary>Where the .snupkg beside it would be (it may not exist).</summary>
    public string SymbolsPath { get; }

    /// <summary>Every file in the .nupkg, by its path in the archive.</summary>
    public IReadOnlyList<string> Entries { get; }

    /// <summary>The .nuspec's &lt;metadata&gt; element.</summary>
    public XElement Metadata { get; }

    /// <summary>A child of &lt;metadata&gt;, or null.</summary>
    public XElement? Element(string name) => Metadata.Element(_ns + name);

    /// <summary>Every &lt;dependency&gt; in every target framework group.</summary>
    public IReadOnlyList<(string Id, string Version)> Dependencies =>
        Metadata.Descendants(_ns + "dependency")
            .Select(d => ((string?)d.Attribute("id") ?? "", (string?)d.Attribute("version") ?? ""))
            .ToList();

    /// <summary>The bytes of a file in the .nupkg.</summary>
    public byte[] ReadEntry(string path) => ReadEntry(PackagePath, path);

    /// <summary>The bytes of a file in the .snupkg.</summary>
    public byte[] ReadSymbolsEntry(string path) => ReadEntry(SymbolsPath, path);

    private static byte[] ReadEntry(string archive, string path)
    {
        using ZipArchive zip = ZipFile.OpenRead(archive);
        ZipArchiveEntry entry = zip.GetEntry(path) ?? throw new FileNotFoundException($"{path} is not in {archive}");
        using Stream stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
