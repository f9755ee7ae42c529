namespace CortexHybrid.Memory.Corpora;

/// <summary>What an <see cref="ApiMember"/> is: the prefix of its documentation id.</summary>
public enum ApiMemberKind
{
    /// <summary>A type (<c>T:</c>): class, struct, interface, enum or delegate.</summary>
    Type,

    /// <summary>A method or constructor (<c>M:</c>), operators and conversions included.</summary>
    Method,

    /// <summary>A property or indexer (<c>P:</c>).</summary>
    Property,

    /// <summary>A field or enum value (<c>F:</c>).</summary>
    Field,

    /// <summary>An event (<c>E:</c>).</summary>
    Event,
}
