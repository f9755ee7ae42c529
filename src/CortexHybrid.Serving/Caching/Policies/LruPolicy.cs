namespace CortexHybrid.Caching.Policies;

/// <summary>Exact LRU (<see cref="CachePolicy.Lru"/>): one recency list; the least recently used entry leaves.</summary>
internal sealed class LruPolicy : Level1Policy
{
    private readonly RecencyList _order = new();
    private readonly RecencyList[] _lists;

    public LruPolicy() => _lists = [_order];

    public override int Count => _order.Count;

    public override long StoredBytes => _order.StoredBytes;

    public override IReadOnlyList<RecencyList> Lists => _lists;

    public override void Add(CacheEntry entry)
    {
        entry.Region = Level1Region.Window;
        _order.AddMostRecent(entry);
    }

    public override void OnRead(CacheEntry entry) => _order.MoveToMostRecent(entry);

    public override void Remove(CacheEntry entry) => _order.Remove(entry);

    public override CacheEntry SelectVictim() => _order.LeastRecent!;

    public override void Clear() => _order.Clear();
}
