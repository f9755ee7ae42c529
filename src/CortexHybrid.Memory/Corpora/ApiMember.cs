namespace CortexHybrid.Memory.Corpora;

/// <summary>One documented member of the .NET API, as read from the SDK's XML documentation by <see cref="ApiDocumentationCorpus"/>.</summary>
/// <param name="Id">The documentation id, e.g. <c>M:System.IO.File.ReadAllLines(System.String)</c>.</param>
/// <param name="Kind">Type, method, property, field or event.</param>
/// <param name="Namespace">The namespace of the member's type, e.g. <c>System.IO</c>.</param>
/// <param name="TypeId">The documentation id of the member's type without its prefix (for a type, its own), e.g. <c>System.Collections.Generic.List`1</c>.</param>
/// <param name="Name">A readable full name: the namespace, the type with its type parameters, the member and its parameters' short type names, e.g. <c>System.IO.File.ReadAllLines(String)</c>.</param>
/// <param name="ShortName">The name without the namespace, e.g. <c>File.ReadAllLines(String)</c>.</param>
/// <param name="Summary">The summary as plain text: references rendered as their names, white space collapsed.</param>
/// <param name="Assembly">The reference assembly whose documentation file holds it, e.g. <c>System.Runtime</c>.</param>
public sealed record ApiMember(
    string Id,
    ApiMemberKind Kind,
    string Namespace,
    string TypeId,
    string Name,
    string ShortName,
    string Summary,
    string Assembly)
{
    /// <summary>The metadata key of <see cref="Id"/> in <see cref="ToMemoryInput"/>.</summary>
    public const string MemberKey = "member";

    /// <summary>The metadata key of <see cref="Name"/> in <see cref="ToMemoryInput"/>.</summary>
    public const string NameKey = "name";

    /// <summary>The metadata key of <see cref="Assembly"/> in <see cref="ToMemoryInput"/>.</summary>
    public const string AssemblyKey = "assembly";

    /// <summary>The text to remember: the short name, a dash and the summary, e.g. <c>File.ReadAllLines(String) — Opens a text file, reads all lines of the file, and then closes the file.</c></summary>
    public string Text => $"{ShortName} — {Summary}";

    /// <summary>The letter of <see cref="Kind"/> in documentation ids: <c>T</c>, <c>M</c>, <c>P</c>, <c>F</c> or <c>E</c>.</summary>
    public string KindLetter => Kind switch
    {
        ApiMemberKind.Type => "T",
        ApiMemberKind.Method => "M",
        ApiMemberKind.Property => "P",
        ApiMemberKind.Field => "F",
        _ => "E",
    };

    /// <summary>
    /// The member as a memory: <see cref="Text"/>, tagged <see cref="ApiDocumentationCorpus.Tag"/>,
    /// the namespace and the kind's letter, with the documentation id, the readable name and the
    /// assembly as metadata (<see cref="MemberKey"/>, <see cref="NameKey"/>, <see cref="AssemblyKey"/>).
    /// </summary>
    /// <returns>The input for <see cref="SemanticMemory.RememberManyAsync"/>.</returns>
    public MemoryInput ToMemoryInput()
    {
        string[] tags = Namespace.Length == 0 ? [ApiDocumentationCorpus.Tag, KindLetter] : [ApiDocumentationCorpus.Tag, Namespace, KindLetter];
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [MemberKey] = Id,
            [NameKey] = Name,
            [AssemblyKey] = Assembly,
        };
        return new MemoryInput(Text, tags, metadata);
    }
}
