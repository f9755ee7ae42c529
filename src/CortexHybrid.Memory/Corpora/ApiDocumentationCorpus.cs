using System.Runtime.InteropServices;

namespace CortexHybrid.Memory.Corpora;

/// <summary>
/// A real text corpus on every machine with the .NET SDK: the API summaries in the XML
/// documentation beside the reference assemblies
/// (<c>packs/Microsoft.NETCore.App.Ref/&lt;version&gt;/ref/net&lt;major&gt;.0/*.xml</c> under the SDK's
/// root; about 60,000 members for .NET 10), read as <see cref="ApiMember"/>s.
/// </summary>
/// <remarks>
/// <para>
/// <b>Finding it.</b> <see cref="Find()"/> looks under <c>$DOTNET_ROOT</c>, then under the root of
/// the running runtime (its directory is <c>&lt;root&gt;/shared/Microsoft.NETCore.App/&lt;version&gt;</c>),
/// then the usual install directories; the first root with documentation wins, and in it the
/// newest pack version (releases before previews of the same number) and the target framework of
/// that version.
/// </para>
/// <para>
/// <b>Reading it.</b> <see cref="ReadMembers"/> streams each file with an <see cref="System.Xml.XmlReader"/>:
/// every type, method, property, field and event whose summary says something (not empty, not
/// "To be added.", not an infrastructure notice, at least three words), the summary as plain
/// text (<c>&lt;see cref&gt;</c> as the name it refers to, <c>&lt;see langword&gt;</c> as the word,
/// <c>&lt;paramref&gt;</c> as the parameter's name, <c>&lt;c&gt;</c> as its text, white space collapsed).
/// </para>
/// <para>
/// <b>The subset</b> (<see cref="ReadSubset"/>) is what <c>cortex demo</c> remembers, sized so that
/// a first run embeds it in about a minute on two cores (about 100 texts a second with
/// all-MiniLM-L6-v2): the types and the methods called by name (not constructors, not operators
/// or conversions, not explicit interface implementations) of <see cref="SubsetNamespaces"/>
/// and of <see cref="FeaturedTypes"/>; without boilerplate (a summary shared by more than
/// <see cref="MaxTypesPerSummary"/> types, such as "Returns the hash code for this instance.");
/// overloads with the same summary once (the shortest id); every text once. The members of
/// <see cref="FeaturedTypes"/> come first, so that a smaller limit still holds the everyday
/// APIs; then the rest by namespace (in the list's order), type (ordinal) and documentation
/// order. At most <see cref="SubsetSize"/>: for the .NET 10.0 SDK, about 6,200, all kept.
/// </para>
/// </remarks>
public sealed class ApiDocumentationCorpus
{
    /// <summary>The tag every memory of the corpus carries (<see cref="ApiMember.ToMemoryInput"/>).</summary>
    public const string Tag = "api-docs";

    /// <summary>The most members <see cref="ReadSubset"/> returns.</summary>
    public const int SubsetSize = 7_000;

    /// <summary>A summary shared by more types than this is boilerplate, left out of the subset.</summary>
    public const int MaxTypesPerSummary = 3;

    /// <summary>The environment variable naming the .NET root that <see cref="Find()"/> looks in first.</summary>
    public const string DotnetRootVariable = "DOTNET_ROOT";

    private const string PackDirectory = "Microsoft.NETCore.App.Ref";

    private ApiDocumentationCorpus(string directory, string? version, string? targetFramework, IReadOnlyList<string> files)
    {
        Directory = directory;
        Version = version;
        TargetFramework = targetFramework;
        Files = files;
    }

    /// <summary>The namespaces of the subset, most useful first (exact namespaces, not their children).</summary>
    public static IReadOnlyList<string> SubsetNamespaces { get; } =
    [
        "System",
        "System.IO",
        "System.Collections.Generic",
        "System.Linq",
        "System.Threading",
        "System.Threading.Tasks",
        "System.Text",
        "System.Text.Json",
        "System.Net.Http",
    ];

    /// <summary>
    /// The types whose members lead the subset (whatever their namespace), by documentation id
    /// without <c>T:</c> (generic arity as <c>`1</c>), most used first.
    /// </summary>
    public static IReadOnlyList<string> FeaturedTypes { get; } =
    [
        "System.IO.File",
        "System.Threading.Tasks.Task",
        "System.Int32",
        "System.Text.Json.JsonSerializer",
        "System.Net.Http.HttpClient",
        "System.Collections.Generic.List`1",
        "System.Threading.CancellationTokenSource",
        "System.Threading.CancellationToken",
        "System.Security.Cryptography.SHA256",
        "System.IO.Directory",
        "System.IO.Path",
        "System.IO.StreamReader",
        "System.IO.StreamWriter",
        "System.Collections.Generic.Dictionary`2",
        "System.Linq.Enumerable",
        "System.String",
        "System.Text.StringBuilder",
        "System.Convert",
        "System.Math",
        "System.DateTime",
        "System.TimeSpan",
        "System.Console",
        "System.Environment",
        "System.Text.RegularExpressions.Regex",
        "System.Diagnostics.Stopwatch",
    ];

    /// <summary>The directory of the documentation files.</summary>
    public string Directory { get; }

    /// <summary>The reference pack's version (<c>10.0.12</c>), when the directory is in a pack; else null.</summary>
    public string? Version { get; }

    /// <summary>The target framework (<c>net10.0</c>), when the directory is in a pack; else null.</summary>
    public string? TargetFramework { get; }

    /// <summary>The documentation files, in ordinal order of their names.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>
    /// The documentation of the newest reference pack of the first .NET root that has one
    /// (<c>$DOTNET_ROOT</c>, the running runtime's root, the usual install directories).
    /// </summary>
    /// <returns>The corpus.</returns>
    /// <exception cref="DirectoryNotFoundException">No root has documentation; the message says where it looked.</exception>
    public static ApiDocumentationCorpus Find() => Find(DotnetRoots());

    /// <summary>The documentation of the newest reference pack of the first of <paramref name="roots"/> that has one.</summary>
    /// <param name="roots">.NET root directories (each holding <c>packs/</c>), in order of preference.</param>
    /// <returns>The corpus.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="roots"/> is null.</exception>
    /// <exception cref="DirectoryNotFoundException">None has documentation; the message says where it looked.</exception>
    public static ApiDocumentationCorpus Find(IEnumerable<string> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var looked = new List<string>();
        foreach (string root in roots.Distinct(StringComparer.Ordinal))
        {
            string packs = Path.Combine(root, "packs", PackDirectory);
            looked.Add(packs);
            if (!System.IO.Directory.Exists(packs))
            {
                continue;
            }

            foreach (string versionDirectory in System.IO.Directory.EnumerateDirectories(packs).OrderByDescending(d => PackVersion.Parse(Path.GetFileName(d))))
            {
                string refs = Path.Combine(versionDirectory, "ref");
                if (!System.IO.Directory.Exists(refs))
                {
                    continue;
                }

                string version = Path.GetFileName(versionDirectory);
                Version numbers = PackVersion.Parse(version).Numbers;
                string preferred = $"net{numbers.Major}.{numbers.Minor}";
                IEnumerable<string> frameworks = System.IO.Directory.EnumerateDirectories(refs, "net*")
                    .OrderByDescending(d => Path.GetFileName(d) == preferred)
                    .ThenByDescending(d => PackVersion.Parse(Path.GetFileName(d)[3..]));
                foreach (string framework in frameworks)
                {
                    string[] files = XmlFiles(framework);
                    if (files.Length > 0)
                    {
                        return new ApiDocumentationCorpus(framework, version, Path.GetFileName(framework), files);
                    }
                }
            }
        }

        throw new DirectoryNotFoundException(
            $"No .NET API documentation found: looked for {PackDirectory}/<version>/ref/net*/*.xml in {string.Join(", ", looked)}; install the .NET SDK or set {DotnetRootVariable} to its directory.");
    }

    /// <summary>The documentation files (<c>*.xml</c>) of one directory, such as a reference pack's <c>ref/net10.0</c>.</summary>
    /// <param name="directory">The directory.</param>
    /// <returns>The corpus.</returns>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is null or white space.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist or holds no <c>.xml</c> file.</exception>
    public static ApiDocumentationCorpus Open(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"The API documentation directory '{full}' does not exist.");
        }

        string[] files = XmlFiles(full);
        if (files.Length == 0)
        {
            throw new DirectoryNotFoundException($"The API documentation directory '{full}' holds no .xml file.");
        }

        // .../Microsoft.NETCore.App.Ref/<version>/ref/<tfm>: say which pack it is.
        string? framework = Path.GetFileName(full);
        string? refs = Path.GetDirectoryName(full);
        string? versionDirectory = refs is null ? null : Path.GetDirectoryName(refs);
        bool inPack = refs is not null && Path.GetFileName(refs) == "ref" && versionDirectory is not null
            && Path.GetFileName(Path.GetDirectoryName(versionDirectory)) == PackDirectory;
        return new ApiDocumentationCorpus(full, inPack ? Path.GetFileName(versionDirectory) : null, inPack ? framework : null, files);
    }

    /// <summary>
    /// Where <see cref="Find()"/> looks, in order: <c>$DOTNET_ROOT</c>, the running runtime's root
    /// (three levels above its directory), then <c>~/.dotnet</c>, <c>/usr/share/dotnet</c>,
    /// <c>/usr/lib/dotnet</c>, <c>/usr/local/share/dotnet</c> and <c>%ProgramFiles%\dotnet</c>.
    /// </summary>
    /// <returns>The directories, without duplicates; not all exist.</returns>
    public static IReadOnlyList<string> DotnetRoots()
    {
        var roots = new List<string>();
        void Add(string? root)
        {
            if (!string.IsNullOrWhiteSpace(root))
            {
                string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
                if (!roots.Contains(full, StringComparer.Ordinal))
                {
                    roots.Add(full);
                }
            }
        }

        Add(Environment.GetEnvironmentVariable(DotnetRootVariable));
        foreach (string? runtime in (string?[])[RuntimeEnvironment.GetRuntimeDirectory(), Path.GetDirectoryName(typeof(object).Assembly.Location)])
        {
            if (!string.IsNullOrEmpty(runtime))
            {
                Add(Path.Combine(runtime, "..", "..", ".."));
            }
        }

        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 0)
        {
            Add(Path.Combine(home, ".dotnet"));
        }

        if (OperatingSystem.IsWindows())
        {
            Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles), "dotnet"));
        }
        else
        {
            Add("/usr/share/dotnet");
            Add("/usr/lib/dotnet");
            Add("/usr/local/share/dotnet");
        }

        return roots;
    }

    /// <summary>
    /// Every documented member whose summary says something, file by file in the order of
    /// <see cref="Files"/>, each file in its own order. Streams: a file is read when the
    /// enumeration reaches it.
    /// </summary>
    /// <returns>The members.</returns>
    /// <exception cref="InvalidDataException">A file is not well-formed XML; the message names it (thrown by the enumeration).</exception>
    /// <exception cref="IOException">A file cannot be read (thrown by the enumeration).</exception>
    public IEnumerable<ApiMember> ReadMembers() => new ApiDocumentationReader().Read(Files);

    /// <summary>
    /// The subset <c>cortex demo</c> remembers (the rule is in the class's remarks), in its
    /// deterministic order, cut to <paramref name="limit"/>: the first members of the order.
    /// </summary>
    /// <param name="limit">The most members, 1 to <see cref="SubsetSize"/>; null for <see cref="SubsetSize"/>.</param>
    /// <returns>The members, every <see cref="ApiMember.Text"/> distinct.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is outside 1 to <see cref="SubsetSize"/>.</exception>
    /// <exception cref="InvalidDataException">A file is not well-formed XML; the message names it.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public IReadOnlyList<ApiMember> ReadSubset(int? limit = null)
    {
        if (limit is < 1 or > SubsetSize)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"The limit is from 1 to {SubsetSize:N0}.");
        }

        Dictionary<string, int> namespaceRank = Ranks(SubsetNamespaces);
        Dictionary<string, int> featuredRank = Ranks(FeaturedTypes);
        var candidates = new List<(ApiMember Member, int Sequence)>();
        foreach (ApiMember member in ReadMembers())
        {
            if (member.Kind is ApiMemberKind.Type or ApiMemberKind.Method
                && (namespaceRank.ContainsKey(member.Namespace) || featuredRank.ContainsKey(member.TypeId))
                && IsCalledByName(member.Id))
            {
                candidates.Add((member, candidates.Count));
            }
        }

        var typesPerSummary = candidates
            .GroupBy(c => c.Member.Summary, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(c => c.Member.TypeId).Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);
        return candidates
            .Where(c => typesPerSummary[c.Member.Summary] <= MaxTypesPerSummary)
            .GroupBy(c => (Path: MemberPath(c.Member.Id), c.Member.Summary))
            .Select(g => g.OrderBy(c => c.Member.Id.Length).ThenBy(c => c.Sequence).First())
            .OrderBy(c => featuredRank.GetValueOrDefault(c.Member.TypeId, featuredRank.Count))
            .ThenBy(c => namespaceRank.GetValueOrDefault(c.Member.Namespace, namespaceRank.Count))
            .ThenBy(c => c.Member.TypeId, StringComparer.Ordinal)
            .ThenBy(c => c.Member.Kind == ApiMemberKind.Type ? 0 : 1)
            .ThenBy(c => c.Sequence)
            .Select(c => c.Member)
            .DistinctBy(m => m.Text, StringComparer.Ordinal)
            .Take(limit ?? SubsetSize)
            .ToList();
    }

    /// <summary>What the corpus is, for a report: <c>.NET 10.0.12 reference documentation (net10.0, 107 files) in DIR</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => Version is null
        ? $"API documentation ({Files.Count} files) in {Directory}"
        : $".NET {Version} reference documentation ({TargetFramework}, {Files.Count} files) in {Directory}";

    private static string[] XmlFiles(string directory)
    {
        string[] files = System.IO.Directory.GetFiles(directory, "*.xml");
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    private static Dictionary<string, int> Ranks(IReadOnlyList<string> names)
    {
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
        {
            ranks.TryAdd(names[i], i);
        }

        return ranks;
    }

    /// <summary>
    /// A type, or a method called by its name: not a constructor (<c>#ctor</c>, <c>#cctor</c>), an
    /// operator or conversion (<c>op_</c>), or an explicit interface implementation (a '#' in the name).
    /// </summary>
    private static bool IsCalledByName(string id)
    {
        if (id.StartsWith("T:", StringComparison.Ordinal))
        {
            return true;
        }

        string path = MemberPath(id);
        string name = path[(path.LastIndexOf('.') + 1)..];
        return !name.Contains('#') && !name.StartsWith("op_", StringComparison.Ordinal);
    }

    /// <summary>The id without its parameters (the key of a group of overloads).</summary>
    private static string MemberPath(string id)
    {
        int open = id.IndexOf('(');
        return open < 0 ? id : id[..open];
    }

    /// <summary>A pack version for ordering: the numbers, then a release above its previews.</summary>
    private readonly record struct PackVersion(Version Numbers, bool IsRelease, string Label) : IComparable<PackVersion>
    {
        public static PackVersion Parse(string text)
        {
            int dash = text.IndexOf('-');
            string numbers = dash < 0 ? text : text[..dash];
            return new PackVersion(
                System.Version.TryParse(numbers.Contains('.') ? numbers : numbers + ".0", out Version? version) ? version : new Version(0, 0),
                dash < 0,
                dash < 0 ? string.Empty : text[(dash + 1)..]);
        }

        public int CompareTo(PackVersion other)
        {
            int byNumbers = Numbers.CompareTo(other.Numbers);
            if (byNumbers != 0)
            {
                return byNumbers;
            }

            return IsRelease != other.IsRelease ? (IsRelease ? 1 : -1) : string.CompareOrdinal(Label, other.Label);
        }
    }
}
