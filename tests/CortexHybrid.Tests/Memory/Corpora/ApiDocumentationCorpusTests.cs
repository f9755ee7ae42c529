using CortexHybrid.Memory;
using CortexHybrid.Memory.Corpora;
using CortexHybrid.Tests.Support;

namespace CortexHybrid.Tests.Memory.Corpora;

public sealed class ApiDocumentationCorpusTests
{
    /// <summary>The SDK's documentation, read once for the tests that need it (a couple of seconds).</summary>
    private static readonly Lazy<(ApiDocumentationCorpus Corpus, List<ApiMember> Members)> Sdk = new(() =>
    {
        ApiDocumentationCorpus corpus = ApiDocumentationCorpus.Find();
        return (corpus, corpus.ReadMembers().ToList());
    });

    private const string Sample = """
        <?xml version="1.0" encoding="utf-8"?>
        <doc>
          <assembly>
            <name>Sample.Widgets</name>
          </assembly>
          <members>
            <member name="M:Sample.Widgets.Widget`1.Add(`0,System.Int32@,System.Collections.Generic.IEnumerable{System.String}[])">
              <summary>Adds <paramref name="item" /> to the <see cref="T:Sample.Widgets.Widget`1" />, like
                <see cref="M:System.IO.File.ReadAllLines(System.String)" />; returns <see langword="true" />
                when    <c>item</c> is new.</summary>
              <param name="item">The item.</param>
              <param name="index">When this method returns, the index of the item.</param>
              <param name="names">The names.</param>
            </member>
            <member name="T:Sample.Widgets.Widget`1">
              <summary>Holds items of <typeparamref name="TItem" /> in a <see cref="T:System.Collections.Generic.Dictionary`2">keyed table</see>.</summary>
              <typeparam name="TItem">The items.</typeparam>
            </member>
            <member name="T:Sample.Widgets.Widget`1.Nested">
              <summary>A type nested in the widget type.</summary>
            </member>
            <member name="M:Sample.Widgets.Widget`1.Nested.Reset(System.Int32[0:,0:],System.Byte*,System.Int32@)">
              <summary>Resets the nested part <see cref="P:Sample.Widgets.Widget`1.Count" /> times.</summary>
              <param name="grid">The grid.</param>
              <param name="bytes">The bytes.</param>
              <param name="count">The count, read and written.</param>
            </member>
            <member name="M:Sample.Widgets.Widget`1.Map``1(System.Func{`0,``0})">
              <summary>Maps every item with a function.</summary>
              <typeparam name="TResult">The result.</typeparam>
            </member>
            <member name="M:Sample.Widgets.Widget`1.#ctor(System.String[])">
              <summary>Initializes a new widget from names.</summary>
            </member>
            <member name="P:Sample.Widgets.Widget`1.Item(System.Int32)">
              <summary>Gets the item at an index.</summary>
            </member>
            <member name="M:Sample.Widgets.Widget`1.Flush">
              <summary>
                <para>Writes everything out.</para>
                <para>Then clears the buffer.</para>
              </summary>
            </member>
            <member name="M:Sample.Widgets.Gadget.op_Explicit(Sample.Widgets.Gadget)~System.Int32">
              <summary>Converts a gadget to its number.</summary>
            </member>
            <member name="F:Sample.Widgets.Gadget.Empty">
              <summary>To be added.</summary>
            </member>
            <member name="E:Sample.Widgets.Gadget.Changed">
              <summary>   </summary>
            </member>
            <member name="P:Sample.Widgets.Gadget.Size">
              <summary>Too short.</summary>
            </member>
            <member name="P:Sample.Widgets.Gadget.Handle">
              <summary>This API supports the product infrastructure and is not intended to be used directly from your code.</summary>
            </member>
            <member name="M:Sample.Widgets.Gadget.Run">
              <returns>Nothing at all.</returns>
            </member>
            <member name="N:Sample.Widgets">
              <summary>The namespace of widgets and gadgets.</summary>
            </member>
          </members>
        </doc>
        """;

    [Fact]
    public void Summaries_render_references_as_names_and_collapse_white_space()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(Path.Combine(directory.Path, "Sample.Widgets.xml"), Sample);

        Dictionary<string, ApiMember> members = ApiDocumentationCorpus.Open(directory.Path).ReadMembers().ToDictionary(m => m.Id);

        ApiMember add = members["M:Sample.Widgets.Widget`1.Add(`0,System.Int32@,System.Collections.Generic.IEnumerable{System.String}[])"];
        Assert.Equal("Adds item to the Widget<TItem>, like File.ReadAllLines; returns true when item is new.", add.Summary);
        Assert.Equal(ApiMemberKind.Method, add.Kind);
        Assert.Equal("Sample.Widgets", add.Namespace);
        Assert.Equal("Sample.Widgets.Widget`1", add.TypeId);
        Assert.Equal("Sample.Widgets", add.Assembly);
        Assert.Equal("Widget<TItem>.Add(TItem, out Int32, IEnumerable<String>[])", add.ShortName);
        Assert.Equal("Sample.Widgets.Widget<TItem>.Add(TItem, out Int32, IEnumerable<String>[])", add.Name);
        Assert.Equal("Widget<TItem>.Add(TItem, out Int32, IEnumerable<String>[]) — " + add.Summary, add.Text);

        // A see with content reads as its content; a type parameter as its name.
        ApiMember widget = members["T:Sample.Widgets.Widget`1"];
        Assert.Equal("Holds items of TItem in a keyed table.", widget.Summary);
        Assert.Equal((ApiMemberKind.Type, "Sample.Widgets", "Widget<TItem>", "Sample.Widgets.Widget<TItem>"), (widget.Kind, widget.Namespace, widget.ShortName, widget.Name));

        // A nested type's namespace is its outer type's; it sees the outer type's parameters.
        ApiMember nested = members["T:Sample.Widgets.Widget`1.Nested"];
        Assert.Equal(("Sample.Widgets", "Widget<TItem>.Nested"), (nested.Namespace, nested.ShortName));
        ApiMember reset = members["M:Sample.Widgets.Widget`1.Nested.Reset(System.Int32[0:,0:],System.Byte*,System.Int32@)"];
        Assert.Equal("Widget<TItem>.Nested.Reset(Int32[,], Byte*, ref Int32)", reset.ShortName);
        Assert.Equal("Resets the nested part Widget<TItem>.Count times.", reset.Summary);

        Assert.Equal("Widget<TItem>.Map<TResult>(Func<TItem, TResult>)", members["M:Sample.Widgets.Widget`1.Map``1(System.Func{`0,``0})"].ShortName);
        Assert.Equal("new Widget<TItem>(String[])", members["M:Sample.Widgets.Widget`1.#ctor(System.String[])"].ShortName);
        Assert.Equal("new Sample.Widgets.Widget<TItem>(String[])", members["M:Sample.Widgets.Widget`1.#ctor(System.String[])"].Name);
        Assert.Equal(("Widget<TItem>.Item[Int32]", ApiMemberKind.Property), (members["P:Sample.Widgets.Widget`1.Item(System.Int32)"].ShortName, members["P:Sample.Widgets.Widget`1.Item(System.Int32)"].Kind));
        Assert.Equal("Writes everything out. Then clears the buffer.", members["M:Sample.Widgets.Widget`1.Flush"].Summary);
        Assert.Equal("Widget<TItem>.Flush()", members["M:Sample.Widgets.Widget`1.Flush"].ShortName);

        // A type the documentation does not define: the last segment is the type.
        ApiMember conversion = members["M:Sample.Widgets.Gadget.op_Explicit(Sample.Widgets.Gadget)~System.Int32"];
        Assert.Equal(("Sample.Widgets", "Gadget.op_Explicit(Gadget) → Int32"), (conversion.Namespace, conversion.ShortName));
    }

    [Fact]
    public void Members_without_a_summary_worth_remembering_and_namespaces_are_skipped()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(Path.Combine(directory.Path, "Sample.Widgets.xml"), Sample);

        string[] ids = [.. ApiDocumentationCorpus.Open(directory.Path).ReadMembers().Select(m => m.Id)];

        Assert.Equal(9, ids.Length);
        Assert.DoesNotContain(ids, id => id.Contains("Gadget.Empty") || id.Contains("Gadget.Changed") || id.Contains("Gadget.Size") || id.Contains("Gadget.Handle") || id.Contains("Gadget.Run"));
        Assert.DoesNotContain(ids, id => id.StartsWith("N:", StringComparison.Ordinal));
    }

    [Fact]
    public void The_subset_keeps_types_and_named_methods_of_its_namespaces_once_without_boilerplate()
    {
        using var directory = new TemporaryDirectory();
        string[] types = ["Alpha", "Beta", "Gamma", "Delta"];
        var members = new List<string>();
        foreach (string type in types)
        {
            members.Add(Member($"T:System.IO.{type}", $"The {type} type of the sample."));
            members.Add(Member($"M:System.IO.{type}.ToString", "Returns a string that represents the current object."));
        }

        members.Add(Member("M:System.IO.Alpha.Read(System.String,System.Int32)", "Reads the named thing from the store."));
        members.Add(Member("M:System.IO.Alpha.Read(System.String)", "Reads the named thing from the store."));
        members.Add(Member("M:System.IO.Alpha.Read(System.Int32)", "Reads the numbered thing from the store."));
        members.Add(Member("M:System.IO.Alpha.#ctor", "Initializes a new instance of the sample type."));
        members.Add(Member("M:System.IO.Alpha.op_Implicit(System.IO.Alpha)~System.Int32", "Converts an alpha to its number."));
        members.Add(Member("M:System.IO.Alpha.System#IDisposable#Dispose", "Releases the alpha and what it holds."));
        members.Add(Member("P:System.IO.Alpha.Length", "Gets the length of the alpha."));
        members.Add(Member("T:Elsewhere.Thing", "A thing in a namespace the subset leaves out."));
        members.Add(Member("T:System.IO.File", "Provides static methods for files of the sample."));
        members.Add(Member("M:System.IO.File.ReadAllLines(System.String)", "Opens a text file, reads all lines of the file, and then closes the file."));
        File.WriteAllText(Path.Combine(directory.Path, "Sample.xml"), $"<doc><members>{string.Concat(members)}</members></doc>");
        ApiDocumentationCorpus corpus = ApiDocumentationCorpus.Open(directory.Path);

        string[] subset = [.. corpus.ReadSubset().Select(m => m.Id)];

        // File is featured, so its members lead; then System.IO's types in ordinal order, each type first.
        Assert.Equal(
        [
            "T:System.IO.File", "M:System.IO.File.ReadAllLines(System.String)",
            "T:System.IO.Alpha", "M:System.IO.Alpha.Read(System.String)", "M:System.IO.Alpha.Read(System.Int32)",
            "T:System.IO.Beta", "T:System.IO.Delta", "T:System.IO.Gamma",
        ],
        subset);
        Assert.Equal(subset[..3], corpus.ReadSubset(3).Select(m => m.Id));
        Assert.Throws<ArgumentOutOfRangeException>("limit", () => corpus.ReadSubset(0));
        Assert.Throws<ArgumentOutOfRangeException>("limit", () => corpus.ReadSubset(ApiDocumentationCorpus.SubsetSize + 1));

        static string Member(string id, string summary) => $"<member name=\"{id}\"><summary>{summary}</summary></member>";
    }

    [Fact]
    public void A_member_becomes_a_memory_with_tags_and_metadata()
    {
        var member = new ApiMember(
            "M:System.IO.File.ReadAllLines(System.String)", ApiMemberKind.Method, "System.IO", "System.IO.File",
            "System.IO.File.ReadAllLines(String)", "File.ReadAllLines(String)", "Opens a text file, reads all lines of the file, and then closes the file.", "System.Runtime");

        MemoryInput input = member.ToMemoryInput();

        Assert.Equal("File.ReadAllLines(String) — Opens a text file, reads all lines of the file, and then closes the file.", input.Text);
        Assert.Equal([ApiDocumentationCorpus.Tag, "System.IO", "M"], input.Tags);
        Assert.Equal("M:System.IO.File.ReadAllLines(System.String)", input.Metadata![ApiMember.MemberKey]);
        Assert.Equal("System.IO.File.ReadAllLines(String)", input.Metadata[ApiMember.NameKey]);
        Assert.Equal("System.Runtime", input.Metadata[ApiMember.AssemblyKey]);
    }

    [Fact]
    public void A_file_that_is_not_xml_is_named_in_the_error()
    {
        using var directory = new TemporaryDirectory();
        string file = Path.Combine(directory.Path, "Broken.xml");
        File.WriteAllText(file, "<doc><members><member name=\"T:A.B\"><summary>Unclosed");

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => ApiDocumentationCorpus.Open(directory.Path).ReadMembers().ToList());
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_refuses_a_missing_directory_or_one_without_documentation()
    {
        using var directory = new TemporaryDirectory();
        Assert.Throws<DirectoryNotFoundException>(() => ApiDocumentationCorpus.Open(Path.Combine(directory.Path, "missing")));
        File.WriteAllText(Path.Combine(directory.Path, "a.txt"), "not documentation");
        DirectoryNotFoundException e = Assert.Throws<DirectoryNotFoundException>(() => ApiDocumentationCorpus.Open(directory.Path));
        Assert.Contains("holds no .xml file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_takes_the_first_root_with_documentation_and_its_newest_pack()
    {
        using var directory = new TemporaryDirectory();
        string empty = Path.Combine(directory.Path, "empty");
        string root = Path.Combine(directory.Path, "dotnet");
        Directory.CreateDirectory(empty);
        foreach ((string version, string framework) in new[] { ("9.0.5", "net9.0"), ("10.0.0-preview.7.25380.108", "net10.0"), ("10.0.2", "net10.0"), ("10.0.3", "net10.0") })
        {
            string refs = Path.Combine(root, "packs", "Microsoft.NETCore.App.Ref", version, "ref", framework);
            Directory.CreateDirectory(refs);
            if (version != "10.0.3")
            {
                // 10.0.3 has a ref directory without documentation (a pack installed without it).
                File.WriteAllText(Path.Combine(refs, "System.Runtime.xml"), "<doc><members /></doc>");
            }
        }

        ApiDocumentationCorpus corpus = ApiDocumentationCorpus.Find([empty, root]);

        Assert.Equal(("10.0.2", "net10.0"), (corpus.Version, corpus.TargetFramework));
        Assert.Equal(Path.Combine(root, "packs", "Microsoft.NETCore.App.Ref", "10.0.2", "ref", "net10.0"), corpus.Directory);
        Assert.Single(corpus.Files);
        Assert.Equal(("10.0.2", "net10.0"), (ApiDocumentationCorpus.Open(corpus.Directory).Version, ApiDocumentationCorpus.Open(corpus.Directory).TargetFramework));
    }

    [Fact]
    public void Find_without_documentation_says_where_it_looked_in_one_line()
    {
        using var directory = new TemporaryDirectory();

        DirectoryNotFoundException e = Assert.Throws<DirectoryNotFoundException>(() => ApiDocumentationCorpus.Find([directory.Path]));

        Assert.StartsWith("No .NET API documentation found", e.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(directory.Path, "packs", "Microsoft.NETCore.App.Ref"), e.Message, StringComparison.Ordinal);
        Assert.Contains(ApiDocumentationCorpus.DotnetRootVariable, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void The_sdk_documentation_on_this_machine_is_found_and_has_over_ten_thousand_members()
    {
        (ApiDocumentationCorpus corpus, List<ApiMember> members) = Sdk.Value;

        Assert.NotNull(corpus.Version);
        Assert.StartsWith("net", corpus.TargetFramework);
        Assert.True(members.Count > 10_000, $"{members.Count} members in {corpus}");
        ApiMember readAllLines = Assert.Single(members, m => m.Id == "M:System.IO.File.ReadAllLines(System.String)");
        Assert.Equal("System.IO.File.ReadAllLines(String)", readAllLines.Name);
        Assert.Equal("Opens a text file, reads all lines of the file, and then closes the file.", readAllLines.Summary);
        Assert.Equal(("System.IO", "System.Runtime"), (readAllLines.Namespace, readAllLines.Assembly));
        Assert.Equal("Int32.TryParse(String, out Int32)", Assert.Single(members, m => m.Id == "M:System.Int32.TryParse(System.String,System.Int32@)").ShortName);
        Assert.All(members, m => Assert.False(ApiDocumentationReader.IsTrivial(m.Summary), m.Id));
        Assert.All(members, m => Assert.DoesNotContain("  ", m.Summary, StringComparison.Ordinal));
    }

    [Fact]
    public void The_sdk_subset_is_deterministic_distinct_and_within_its_size()
    {
        ApiDocumentationCorpus corpus = Sdk.Value.Corpus;

        IReadOnlyList<ApiMember> subset = corpus.ReadSubset();

        Assert.InRange(subset.Count, 5_000, ApiDocumentationCorpus.SubsetSize);
        Assert.Equal("T:System.IO.File", subset[0].Id);
        Assert.Equal(subset.Count, subset.Select(m => m.Text).Distinct(StringComparer.Ordinal).Count());
        Assert.All(subset, m => Assert.True(m.Kind is ApiMemberKind.Type or ApiMemberKind.Method, m.Id));
        Assert.All(subset, m => Assert.DoesNotContain(".op_", m.Id, StringComparison.Ordinal));
        Assert.All(subset, m => Assert.DoesNotContain("#", m.Id, StringComparison.Ordinal));
        Assert.All(subset, m => Assert.True(
            ApiDocumentationCorpus.SubsetNamespaces.Contains(m.Namespace) || ApiDocumentationCorpus.FeaturedTypes.Contains(m.TypeId), m.Id));
        Assert.Contains(subset, m => m.Id == "M:System.Threading.Tasks.Task.WhenAll(System.Threading.Tasks.Task[])");
        Assert.DoesNotContain(subset, m => m.Summary == "Returns the hash code for this instance.");
        Assert.Equal(subset.Select(m => m.Id), corpus.ReadSubset().Select(m => m.Id));
        Assert.Equal(subset.Take(400).Select(m => m.Id), corpus.ReadSubset(400).Select(m => m.Id));
    }
}
