namespace CortexHybrid.Search;

/// <summary>
/// The <c>k</c> best (key, id) pairs offered, in a binary heap whose root is the worst kept: a
/// higher key is better, and of equal keys the smaller id. The same order as the native top-k, for
/// the managed path and for merging partitions.
/// </summary>
internal struct TopKSelector
{
    private readonly float[] _keys;
    private readonly long[] _ids;
    private int _count;

    public TopKSelector(int k)
    {
        _keys = new float[k];
        _ids = new long[k];
    }

    public readonly int Count => _count;

    /// <summary>The key a candidate must beat once full (ties then go by id).</summary>
    public readonly bool IsFull => _count == _keys.Length;

    public void Offer(float key, long id)
    {
        if (_count < _keys.Length)
        {
            int at = _count++;
            while (at > 0)
            {
                int parent = (at - 1) / 2;
                if (!Worse(key, id, _keys[parent], _ids[parent]))
                {
                    break;
                }

                _keys[at] = _keys[parent];
                _ids[at] = _ids[parent];
                at = parent;
            }

            _keys[at] = key;
            _ids[at] = id;
        }
        else if (Worse(_keys[0], _ids[0], key, id))
        {
            SiftDown(_count, 0, key, id);
        }
    }

    /// <summary>Empties the selector into results, best first; keys are negated back for distances.</summary>
    public SearchResult[] Drain(bool negateKeys)
    {
        int size = _count;
        var results = new SearchResult[size];
        while (size > 0)
        {
            size--;
            results[size] = new SearchResult(_ids[0], negateKeys ? -_keys[0] : _keys[0]);
            if (size > 0)
            {
                SiftDown(size, 0, _keys[size], _ids[size]);
            }
        }

        _count = 0;
        return results;
    }

    /// <summary>
    /// True when (aKey, aId) ranks below (bKey, bId): lower keys below higher, a NaN key (finite
    /// vectors whose products overflowed) below every number, equal keys or two NaNs by id, the
    /// larger below. A total order, as the native selection uses.
    /// </summary>
    internal static bool Worse(float aKey, long aId, float bKey, long bId) =>
        aKey < bKey || (aKey == bKey && aId > bId) || (float.IsNaN(aKey) && (!float.IsNaN(bKey) || aId > bId));

    private readonly void SiftDown(int size, int at, float key, long id)
    {
        while (true)
        {
            int left = (2 * at) + 1;
            if (left >= size)
            {
                break;
            }

            int right = left + 1;
            int child = right < size && Worse(_keys[right], _ids[right], _keys[left], _ids[left]) ? right : left;
            if (!Worse(_keys[child], _ids[child], key, id))
            {
                break;
            }

            _keys[at] = _keys[child];
            _ids[at] = _ids[child];
            at = child;
        }

        _keys[at] = key;
        _ids[at] = id;
    }
}
