using System.ComponentModel;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace CortexHybrid.Caching;

/// <summary>
/// Which types <see cref="TieredHybridCache"/> treats as immutable, so that one decoded value may be
/// shared between callers: exactly the rule of Microsoft's <c>HybridCache</c> (its internal
/// <c>ImmutableTypeCache</c> in dotnet/extensions), so that an app sees the same sharing after the
/// switch. Immutable are <see cref="string"/>; value types holding no references (a copy is all a
/// caller gets); and value types (or their nullable form) and sealed classes marked
/// <c>[ImmutableObject(true)]</c>. Everything else, <see cref="byte"/>[] included, is mutable.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
internal static class HybridImmutableTypes<T>
{
    /// <summary>Whether <typeparamref name="T"/> is immutable by the rule above; computed once per type.</summary>
    public static readonly bool IsImmutable =
        (typeof(T).IsValueType && !RuntimeHelpers.IsReferenceOrContainsReferences<T>()) || IsMarkedImmutable(typeof(T));

    private static bool IsMarkedImmutable(Type type)
    {
        if (type == typeof(string))
        {
            return true;
        }

        if (type.IsValueType && Nullable.GetUnderlyingType(type) is Type underlying)
        {
            type = underlying;
        }

        // An interface or a class open to subclasses may be any concrete type at run time: not trusted.
        return (type.IsValueType || (type.IsClass && type.IsSealed))
            && type.GetCustomAttribute<ImmutableObjectAttribute>() is { Immutable: true };
    }
}
