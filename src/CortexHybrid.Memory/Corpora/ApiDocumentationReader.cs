using System.Text;
using System.Xml;

namespace CortexHybrid.Memory.Corpora;

/// <summary>
/// Reads the compiler's XML documentation files (<c>&lt;doc&gt;&lt;members&gt;&lt;member name="..."&gt;</c>)
/// with an <see cref="XmlReader"/>, a file at a time, into <see cref="ApiMember"/>s.
/// </summary>
/// <remarks>
/// A file's members are read first (summaries kept as text and references), then named: a
/// reference or a parameter is rendered once every type of its file, and of the files before it,
/// is known, so nested types and type parameters get their documented names wherever they appear.
/// </remarks>
internal sealed class ApiDocumentationReader
{
    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = true,
    };

    private static readonly string[] InfrastructurePrefixes =
    [
        "This API supports the product infrastructure",
        "This member supports the .NET Framework infrastructure",
        "This type supports the .NET Framework infrastructure",
        "For internal use only",
        "Reserved for internal use",
    ];

    private readonly DocumentationNames _names = new();

    /// <summary>Every member of <paramref name="files"/> with a summary worth remembering, file by file, in each file's order.</summary>
    /// <exception cref="InvalidDataException">A file is not well-formed XML; the message names it.</exception>
    public IEnumerable<ApiMember> Read(IEnumerable<string> files)
    {
        foreach (string file in files)
        {
            List<RawMember> members = ReadFile(file);
            string assembly = Path.GetFileNameWithoutExtension(file);
            foreach (RawMember raw in members)
            {
                if (Resolve(raw, assembly) is ApiMember member)
                {
                    yield return member;
                }
            }
        }
    }

    /// <summary>Whether a summary says nothing: empty, "To be added.", an infrastructure notice, or under three words.</summary>
    internal static bool IsTrivial(string summary)
    {
        if (summary.Length == 0 || summary.Equals("To be added.", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (string prefix in InfrastructurePrefixes)
        {
            if (summary.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return summary.Count(c => c == ' ') < 2;
    }

    /// <summary>Collapses runs of white space to one space and trims.</summary>
    internal static string Collapse(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool space = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private List<RawMember> ReadFile(string file)
    {
        var members = new List<RawMember>();
        try
        {
            using XmlReader reader = XmlReader.Create(file, Settings);
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "member" && reader.GetAttribute("name") is { Length: > 2 } id)
                {
                    RawMember member = ReadMember(reader, id);
                    members.Add(member);
                    if (id.StartsWith("T:", StringComparison.Ordinal))
                    {
                        _names.AddType(id[2..], member.TypeParameters);
                    }
                }
            }
        }
        catch (XmlException exception)
        {
            throw new InvalidDataException($"The API documentation file '{file}' is not well-formed XML: {exception.Message}", exception);
        }

        return members;
    }

    /// <summary>Reads one member element (the reader on its start), leaving the reader on its end.</summary>
    private static RawMember ReadMember(XmlReader reader, string id)
    {
        var member = new RawMember(id);
        if (reader.IsEmptyElement)
        {
            return member;
        }

        int depth = reader.Depth;
        reader.Read();
        while (!(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) && !reader.EOF)
        {
            if (reader.NodeType != XmlNodeType.Element || reader.Depth != depth + 1)
            {
                reader.Read();
                continue;
            }

            switch (reader.LocalName)
            {
                case "summary":
                    member.Summary = ReadText(reader);
                    reader.Read();
                    break;
                case "typeparam":
                    member.TypeParameters.Add(reader.GetAttribute("name") ?? $"T{member.TypeParameters.Count + 1}");
                    reader.Skip();
                    break;
                case "param":
                    // An out parameter's documentation begins "When this method returns" (the docs' convention).
                    List<TextPart> text = ReadText(reader);
                    member.OutParameters.Add(PlainStart(text).StartsWith("When this method returns", StringComparison.OrdinalIgnoreCase));
                    reader.Read();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return member;
    }

    /// <summary>
    /// The content of a documentation element (the reader on its start) as text and references,
    /// leaving the reader on its end: <c>see</c> as its content, else its <c>langword</c>, its
    /// <c>cref</c> or its <c>href</c>; <c>paramref</c> and <c>typeparamref</c> as the name;
    /// <c>c</c>, <c>code</c> and the rest as their text; paragraphs and list items apart.
    /// </summary>
    private static List<TextPart> ReadText(XmlReader reader)
    {
        var parts = new List<TextPart>();
        if (reader.IsEmptyElement)
        {
            return parts;
        }

        int depth = reader.Depth;
        var open = new Stack<(int Depth, int Count, TextPart Fallback)>();
        while (reader.Read())
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                    parts.Add(new TextPart(reader.Value, Cref: null));
                    break;
                case XmlNodeType.Element:
                    string name = reader.LocalName;
                    if (name is "see" or "seealso")
                    {
                        TextPart fallback = reader.GetAttribute("langword") is { } word ? new TextPart(word, null)
                            : reader.GetAttribute("cref") is { } cref ? new TextPart(null, cref)
                            : new TextPart(reader.GetAttribute("href") ?? string.Empty, null);
                        if (reader.IsEmptyElement)
                        {
                            parts.Add(fallback);
                        }
                        else
                        {
                            open.Push((reader.Depth, parts.Count, fallback));
                        }
                    }
                    else if (name is "paramref" or "typeparamref")
                    {
                        parts.Add(new TextPart(reader.GetAttribute("name") ?? string.Empty, null));
                    }
                    else if (IsBlock(name))
                    {
                        parts.Add(new TextPart(" ", null));
                    }

                    break;
                case XmlNodeType.EndElement:
                    if (reader.Depth == depth)
                    {
                        return parts;
                    }

                    if (open.TryPeek(out var see) && see.Depth == reader.Depth)
                    {
                        open.Pop();
                        if (parts.Count == see.Count)
                        {
                            parts.Add(see.Fallback);
                        }
                    }
                    else if (IsBlock(reader.LocalName))
                    {
                        parts.Add(new TextPart(" ", null));
                    }

                    break;
            }
        }

        return parts;
    }

    private static bool IsBlock(string name) => name is "para" or "br" or "list" or "item" or "listheader" or "term" or "description" or "code";

    /// <summary>The first plain words of a text (references left out), for the out-parameter convention.</summary>
    private static string PlainStart(List<TextPart> parts) =>
        Collapse(string.Concat(parts.TakeWhile(p => p.Text is not null).Select(p => p.Text)));

    /// <summary>The parts as plain text, references rendered, white space collapsed.</summary>
    private string Render(List<TextPart> parts)
    {
        var builder = new StringBuilder();
        foreach (TextPart part in parts)
        {
            builder.Append(part.Text ?? _names.CrefText(part.Cref!));
        }

        return Collapse(builder.ToString());
    }

    /// <summary>The member with its names, or null when it is not one to keep (a namespace, an unknown kind, a trivial summary).</summary>
    private ApiMember? Resolve(RawMember raw, string assembly)
    {
        ApiMemberKind? kind = raw.Id[0] switch
        {
            'T' => ApiMemberKind.Type,
            'M' => ApiMemberKind.Method,
            'P' => ApiMemberKind.Property,
            'F' => ApiMemberKind.Field,
            'E' => ApiMemberKind.Event,
            _ => null,
        };
        if (kind is null || raw.Id[1] != ':')
        {
            return null;
        }

        string summary = Render(raw.Summary);
        if (IsTrivial(summary))
        {
            return null;
        }

        string body = raw.Id[2..];
        if (kind == ApiMemberKind.Type)
        {
            string ns = _names.NamespaceOf(body);
            string display = _names.TypeDisplay(body, ns);
            return new ApiMember(raw.Id, ApiMemberKind.Type, ns, body, Qualify(ns, display), display, summary, assembly);
        }

        // Path(parameters)~Return: the path ends at the first parenthesis; a conversion's return type follows the last '~'.
        int open = body.IndexOf('(');
        int close = open < 0 ? -1 : body.LastIndexOf(')');
        int tilde = body.LastIndexOf('~');
        string? returns = tilde > close && tilde > 0 ? body[(tilde + 1)..] : null;
        string path = open >= 0 ? body[..open] : returns is null ? body : body[..tilde];
        string parameters = open >= 0 && close > open ? body[(open + 1)..close] : string.Empty;
        int dot = path.LastIndexOf('.');
        if (dot <= 0)
        {
            return null;
        }

        string typePath = path[..dot];
        string typeNamespace = _names.NamespaceOf(typePath);
        string type = _names.TypeDisplay(typePath, typeNamespace);
        List<string> typeParameters = _names.TypeParametersInScope(typePath);
        (string memberName, int methodArity) = DocumentationNames.SplitArity(path[(dot + 1)..], "``");
        IReadOnlyList<string> methodTypeParameters = methodArity == 0 ? []
            : raw.TypeParameters.Count == methodArity ? raw.TypeParameters : DocumentationNames.FallbackNames(methodArity);

        List<string> rendered = [];
        List<string> list = open >= 0 ? DocumentationNames.SplitTopLevel(parameters) : [];
        for (int i = 0; i < list.Count; i++)
        {
            string parameter = list[i];
            rendered.Add(parameter.EndsWith('@')
                ? (i < raw.OutParameters.Count && raw.OutParameters[i] ? "out " : "ref ") + DocumentationNames.ShortTypeName(parameter[..^1], typeParameters, methodTypeParameters)
                : DocumentationNames.ShortTypeName(parameter, typeParameters, methodTypeParameters));
        }

        string arguments = string.Join(", ", rendered);
        string shortName;
        string name;
        if (memberName == "#ctor")
        {
            shortName = $"new {type}({arguments})";
            name = $"new {Qualify(typeNamespace, type)}({arguments})";
        }
        else
        {
            var member = new StringBuilder(memberName.Contains('#') ? ReadableInterfaceName(memberName) : memberName == "#cctor" ? "static constructor" : memberName);
            if (methodTypeParameters.Count > 0)
            {
                DocumentationNames.AppendTypeParameters(member, methodTypeParameters);
            }

            if (kind == ApiMemberKind.Method)
            {
                member.Append('(').Append(arguments).Append(')');
                if (returns is not null)
                {
                    member.Append(" → ").Append(DocumentationNames.ShortTypeName(returns, typeParameters, methodTypeParameters));
                }
            }
            else if (list.Count > 0)
            {
                member.Append('[').Append(arguments).Append(']');
            }

            shortName = $"{type}.{member}";
            name = $"{Qualify(typeNamespace, type)}.{member}";
        }

        return new ApiMember(raw.Id, kind.Value, typeNamespace, typePath, name, shortName, summary, assembly);
    }

    private static string Qualify(string ns, string name) => ns.Length == 0 ? name : $"{ns}.{name}";

    /// <summary><c>System#Collections#Generic#IList{T}#Add</c> as <c>System.Collections.Generic.IList&lt;T&gt;.Add</c>.</summary>
    private static string ReadableInterfaceName(string name) =>
        name.Replace('#', '.').Replace('{', '<').Replace('}', '>').Replace("@", string.Empty, StringComparison.Ordinal);

    /// <summary>A piece of documentation text: plain text, or a reference (<see cref="Cref"/>) rendered once types are known.</summary>
    private readonly record struct TextPart(string? Text, string? Cref);

    /// <summary>A member as read, before it is named.</summary>
    private sealed class RawMember(string id)
    {
        public string Id { get; } = id;

        public List<TextPart> Summary { get; set; } = [];

        public List<string> TypeParameters { get; } = [];

        /// <summary>For each documented parameter in order, whether it reads as an out parameter.</summary>
        public List<bool> OutParameters { get; } = [];
    }
}
