using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using CortexHybrid.Memory.Stores;

namespace CortexHybrid.Memory;

/// <summary>
/// How often each recall request was asked since the memory opened: counted lock-free, bounded in
/// the number of distinct requests (beyond <see cref="MaxDistinct"/>, new ones are not counted
/// until the next start; those already counted still are).
/// </summary>
internal sealed class RecallQueryCounts
{
    /// <summary>The most distinct requests counted.</summary>
    public const int MaxDistinct = 10_000;

    private readonly ConcurrentDictionary<string, StrongBox<long>> _counts = new(StringComparer.Ordinal);

    public void Record(string request)
    {
        if (request.Length > FrequentQuery.MaxRequestLength)
        {
            return;
        }

        if (!_counts.TryGetValue(request, out StrongBox<long>? count))
        {
            if (_counts.Count >= MaxDistinct)
            {
                return;
            }

            count = _counts.GetOrAdd(request, static _ => new StrongBox<long>());
        }

        Interlocked.Increment(ref count.Value);
    }

    /// <summary>The <paramref name="limit"/> most asked, most first.</summary>
    public IReadOnlyList<FrequentQuery> Top(int limit) =>
        [.. _counts.Select(p => new FrequentQuery(p.Key, Interlocked.Read(ref p.Value.Value)))
            .OrderByDescending(q => q.Count).ThenBy(q => q.Request, StringComparer.Ordinal)
            .Take(limit)];
}
