using Microsoft.Extensions.Caching.Hybrid;

namespace CortexHybrid.Caching;

/// <summary>
/// The delegate <see cref="HybridCache"/>'s stateless <c>GetOrCreateAsync&lt;T&gt;(key, factory, ...)</c>
/// passes as the factory of the state-taking overload (with the caller's factory as the state), found
/// once per type by calling it on a probe. It lets <see cref="TieredHybridCache"/> tell a null
/// stateless factory (an <see cref="ArgumentNullException"/>) from a null state.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
internal static class HybridCacheWrapper<T>
{
    /// <summary>The base class's wrapper for <typeparamref name="T"/>, or null if it passes none.</summary>
    public static readonly object? Instance = Probe();

    private static object? Probe()
    {
        var probe = new ProbeCache();
        _ = probe.GetOrCreateAsync<T>("probe", static _ => default);
        return probe.Factory;
    }

    /// <summary>Records the factory the base class hands to the abstract overload; nothing else is ever called.</summary>
    private sealed class ProbeCache : HybridCache
    {
        public object? Factory { get; private set; }

        public override ValueTask<TValue> GetOrCreateAsync<TState, TValue>(
            string key,
            TState state,
            Func<TState, CancellationToken, ValueTask<TValue>> factory,
            HybridCacheEntryOptions? options = null,
            IEnumerable<string>? tags = null,
            CancellationToken cancellationToken = default)
        {
            Factory = factory;
            return default;
        }

        public override ValueTask SetAsync<TValue>(string key, TValue value, HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public override ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
