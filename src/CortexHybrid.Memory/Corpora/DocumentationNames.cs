using System.Text;

namespace CortexHybrid.Memory.Corpora;

/// <summary>
/// Readable names from documentation ids (the C# compiler's <c>T:</c>/<c>M:</c>/<c>P:</c>/<c>F:</c>/<c>E:</c>
/// strings): namespaces and types told apart by the types the documentation defines, short type
/// names for parameters, type parameters by the names the documentation gives them.
/// </summary>
/// <remarks>
/// The grammar handled: dotted paths; generic arity <c>`n</c> on types and <c>``n</c> on methods;
/// type arguments in braces; type parameters by position, <c>`0</c> of the type and <c>``0</c>
/// of the method; arrays <c>[]</c> and <c>[0:,0:]</c>; by-reference <c>@</c>; pointers
/// <c>*</c>; <c>#ctor</c>; a conversion's return type after <c>~</c>. Anything else is kept as it is.
/// </remarks>
internal sealed class DocumentationNames
{
    /// <summary>Documented types by path (<c>System.Collections.Generic.List`1</c>), with their own type parameters' names.</summary>
    private readonly Dictionary<string, string[]> _types = new(StringComparer.Ordinal);

    /// <summary>Records a documented type and the names of its own type parameters.</summary>
    public void AddType(string path, IReadOnlyList<string> typeParameters) =>
        _types[path] = [.. typeParameters];

    /// <summary>Whether <paramref name="path"/> is a documented type.</summary>
    public bool IsType(string path) => _types.ContainsKey(path);

    /// <summary>
    /// The namespace of a type path: the longest proper prefix that is not a documented type
    /// (<c>System.Environment.SpecialFolder</c> is nested in <c>System.Environment</c>, so its
    /// namespace is <c>System</c>). Empty for a type outside any namespace.
    /// </summary>
    public string NamespaceOf(string typePath)
    {
        int end = typePath.LastIndexOf('.');
        while (end > 0)
        {
            string prefix = typePath[..end];
            if (!IsType(prefix))
            {
                return prefix;
            }

            end = prefix.LastIndexOf('.');
        }

        return string.Empty;
    }

    /// <summary>The type path's segments after its namespace, each with its type parameters: <c>Dictionary&lt;TKey, TValue&gt;.Enumerator</c>.</summary>
    public string TypeDisplay(string typePath, string ns)
    {
        string rest = ns.Length == 0 ? typePath : typePath[(ns.Length + 1)..];
        var builder = new StringBuilder(rest.Length + 8);
        string path = ns;
        foreach (string segment in rest.Split('.'))
        {
            path = path.Length == 0 ? segment : path + "." + segment;
            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            (string name, int arity) = SplitArity(segment, "`");
            builder.Append(name);
            if (arity > 0)
            {
                AppendTypeParameters(builder, OwnTypeParameters(path, arity));
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Every type parameter in scope in the type at <paramref name="typePath"/>, outermost first:
    /// what <c>`0</c>, <c>`1</c>, ... refer to (a nested type of a generic type sees its parameters).
    /// </summary>
    public List<string> TypeParametersInScope(string typePath)
    {
        var names = new List<string>();
        int start = 0;
        while (start <= typePath.Length)
        {
            int dot = typePath.IndexOf('.', start);
            int end = dot < 0 ? typePath.Length : dot;
            string segment = typePath[start..end];
            (_, int arity) = SplitArity(segment, "`");
            if (arity > 0)
            {
                names.AddRange(OwnTypeParameters(typePath[..end], arity));
            }

            if (dot < 0)
            {
                break;
            }

            start = dot + 1;
        }

        return names;
    }

    /// <summary>
    /// A type reference as written in a documentation id (a parameter's type), as a short name:
    /// <c>System.Collections.Generic.IEnumerable{`0}</c> becomes <c>IEnumerable&lt;T&gt;</c>.
    /// </summary>
    /// <param name="reference">The reference, without a trailing <c>@</c>.</param>
    /// <param name="typeParameters">The names of <c>`0</c>, <c>`1</c>, ...</param>
    /// <param name="methodTypeParameters">The names of <c>``0</c>, <c>``1</c>, ...</param>
    public static string ShortTypeName(string reference, IReadOnlyList<string> typeParameters, IReadOnlyList<string> methodTypeParameters)
    {
        if (reference.EndsWith('*'))
        {
            return ShortTypeName(reference[..^1], typeParameters, methodTypeParameters) + "*";
        }

        if (reference.EndsWith(']'))
        {
            int open = reference.LastIndexOf('[');
            if (open > 0)
            {
                int rank = reference[open..].Count(c => c == ',') + 1;
                return ShortTypeName(reference[..open], typeParameters, methodTypeParameters) + "[" + new string(',', rank - 1) + "]";
            }
        }

        if (reference.StartsWith("``", StringComparison.Ordinal) && int.TryParse(reference.AsSpan(2), out int methodIndex))
        {
            return methodIndex < methodTypeParameters.Count ? methodTypeParameters[methodIndex] : FallbackName(methodIndex, methodTypeParameters.Count);
        }

        if (reference.StartsWith('`') && int.TryParse(reference.AsSpan(1), out int typeIndex))
        {
            return typeIndex < typeParameters.Count ? typeParameters[typeIndex] : FallbackName(typeIndex, typeParameters.Count);
        }

        // The last dotted segment outside braces, with its type arguments: A.B{C,D}.E is E, A.B{C} is B<C>.
        int depth = 0;
        int segmentStart = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            switch (reference[i])
            {
                case '{':
                    depth++;
                    break;
                case '}':
                    depth--;
                    break;
                case '.' when depth == 0:
                    segmentStart = i + 1;
                    break;
            }
        }

        string segment = reference[segmentStart..];
        int brace = segment.IndexOf('{');
        if (brace < 0)
        {
            return segment;
        }

        string arguments = segment[(brace + 1)..^1];
        return segment[..brace] + "<" + string.Join(", ", SplitTopLevel(arguments).Select(a => ShortTypeName(a, typeParameters, methodTypeParameters))) + ">";
    }

    /// <summary>
    /// A cref as the text a reader sees: <c>T:System.Collections.Generic.List`1</c>
    /// becomes <c>List&lt;T&gt;</c>, <c>M:System.IO.File.ReadLines(System.String)</c> becomes
    /// <c>File.ReadLines</c>, <c>P:System.Threading.CancellationToken.None</c> becomes
    /// <c>CancellationToken.None</c>.
    /// </summary>
    public string CrefText(string cref)
    {
        if (cref.Length < 2 || cref[1] != ':')
        {
            return cref;
        }

        string path = cref[2..];
        int parenthesis = path.IndexOf('(');
        if (parenthesis >= 0)
        {
            path = path[..parenthesis];
        }

        int tilde = path.IndexOf('~');
        if (tilde >= 0)
        {
            path = path[..tilde];
        }

        switch (cref[0])
        {
            case 'N':
                return path;
            case 'T':
                return TypeDisplay(path, NamespaceOf(path));
            case 'M' or 'P' or 'F' or 'E':
                int dot = path.LastIndexOf('.');
                if (dot <= 0)
                {
                    return path;
                }

                string typePath = path[..dot];
                string type = TypeDisplay(typePath, NamespaceOf(typePath));
                string member = SplitArity(path[(dot + 1)..], "``").Name;
                return member is "#ctor" or "#cctor" ? type : type + "." + member;
            default:
                return path;
        }
    }

    /// <summary>A name and its generic arity: <c>List`1</c> is (List, 1) with the marker <c>`</c>, <c>Select``2</c> is (Select, 2) with <c>``</c>.</summary>
    public static (string Name, int Arity) SplitArity(string segment, string marker)
    {
        int at = segment.IndexOf(marker, StringComparison.Ordinal);
        if (at > 0 && int.TryParse(segment.AsSpan(at + marker.Length), out int arity) && arity > 0)
        {
            return (segment[..at], arity);
        }

        return (segment, 0);
    }

    /// <summary>Splits a list at commas outside braces and brackets.</summary>
    public static List<string> SplitTopLevel(string list)
    {
        var parts = new List<string>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < list.Length; i++)
        {
            switch (list[i])
            {
                case '{' or '[' or '(':
                    depth++;
                    break;
                case '}' or ']' or ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    parts.Add(list[start..i]);
                    start = i + 1;
                    break;
            }
        }

        if (list.Length > 0)
        {
            parts.Add(list[start..]);
        }

        return parts;
    }

    /// <summary>Appends <c>&lt;A, B&gt;</c>.</summary>
    public static void AppendTypeParameters(StringBuilder builder, IReadOnlyList<string> names)
    {
        builder.Append('<');
        for (int i = 0; i < names.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(", ");
            }

            builder.Append(names[i]);
        }

        builder.Append('>');
    }

    /// <summary>Names for <paramref name="arity"/> type parameters the documentation does not name: <c>T</c>, or <c>T1</c>, <c>T2</c>, ...</summary>
    public static string[] FallbackNames(int arity) =>
        arity == 1 ? ["T"] : [.. Enumerable.Range(1, arity).Select(i => $"T{i}")];

    private static string FallbackName(int index, int known) => known <= 1 && index == 0 ? "T" : $"T{index + 1}";

    /// <summary>The type's own type parameters: the documented names when there are as many as its arity, else fallbacks.</summary>
    private string[] OwnTypeParameters(string path, int arity) =>
        _types.TryGetValue(path, out string[]? names) && names.Length == arity ? names : FallbackNames(arity);
}
