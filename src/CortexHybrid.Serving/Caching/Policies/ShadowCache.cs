namespace CortexHybrid.Caching.Policies;

/// <summary>
/// A miniature W-TinyLFU with a fixed window share, over key hashes only, that
/// <see cref="WindowSizer"/> feeds a sample of level 1's requests to, so that window shares can be
/// compared on the same traffic. Nodes live in preallocated arrays (linked by index) and the index
/// is presized: after construction an access allocates nothing. Not thread-safe.
/// </summary>
internal sealed class ShadowCache
{
    private const int Window = 0;
    private const int Probation = 1;
    private const int Protected = 2;
    private const int None = -1;

    private readonly int _capacity;
    private readonly int _windowMax;
    private readonly int _protectedMax;
    private readonly int[] _keys;
    private readonly int[] _older;
    private readonly int[] _newer;
    private readonly byte[] _region;
    private readonly Dictionary<int, int> _index;
    private readonly int[] _mostRecent = [None, None, None];
    private readonly int[] _leastRecent = [None, None, None];
    private readonly int[] _counts = new int[3];
    private int _used;
    private int _free = None;

    /// <summary>A shadow of <paramref name="capacity"/> entries whose window holds <paramref name="windowShare"/> of them (at least one).</summary>
    public ShadowCache(int capacity, double windowShare)
    {
        _capacity = Math.Max(2, capacity);
        WindowShare = windowShare;
        _windowMax = Math.Clamp((int)Math.Round(windowShare * _capacity), 1, _capacity - 1);
        _protectedMax = (int)(0.8 * (_capacity - _windowMax));
        _keys = new int[_capacity + 1];
        _older = new int[_capacity + 1];
        _newer = new int[_capacity + 1];
        _region = new byte[_capacity + 1];
        _index = new Dictionary<int, int>(_capacity + 1);
    }

    /// <summary>The window's share of this shadow.</summary>
    public double WindowShare { get; }

    /// <summary>Hits counted (the owner halves them to forget old traffic).</summary>
    public double Hits { get; set; }

    /// <summary>One request for <paramref name="key"/>; <paramref name="sketch"/> already counted it. Returns whether it hit.</summary>
    public bool Access(int key, FrequencySketch sketch)
    {
        if (_index.TryGetValue(key, out int node))
        {
            int region = _region[node];
            Unlink(node);
            Link(node, region == Window ? Window : Protected);
            if (region == Probation && _counts[Protected] > _protectedMax)
            {
                int demoted = _leastRecent[Protected];
                Unlink(demoted);
                Link(demoted, Probation);
            }

            Hits++;
            return true;
        }

        node = _free != None ? _free : _used++;
        _free = _free != None ? _older[_free] : None;
        _keys[node] = key;
        _index.Add(key, node);
        Link(node, Window);
        if (_counts[Window] > _windowMax)
        {
            int candidate = _leastRecent[Window];
            Unlink(candidate);
            Link(candidate, Probation);
            if (_counts[Probation] + _counts[Protected] > _capacity - _windowMax)
            {
                int victim = _leastRecent[Probation] != candidate ? _leastRecent[Probation] : _leastRecent[Protected];
                if (victim == None)
                {
                    victim = candidate;
                }
                else if (sketch.Frequency(_keys[candidate]) <= sketch.Frequency(_keys[victim]))
                {
                    victim = candidate;
                }

                Evict(victim);
            }
        }

        return false;
    }

    /// <summary>Empties the shadow and zeroes its hits.</summary>
    public void Clear()
    {
        _index.Clear();
        Array.Fill(_mostRecent, None);
        Array.Fill(_leastRecent, None);
        Array.Clear(_counts);
        _used = 0;
        _free = None;
        Hits = 0;
    }

    private void Evict(int node)
    {
        Unlink(node);
        _index.Remove(_keys[node]);
        _older[node] = _free;
        _free = node;
    }

    private void Link(int node, int region)
    {
        _region[node] = (byte)region;
        _older[node] = _mostRecent[region];
        _newer[node] = None;
        if (_mostRecent[region] != None)
        {
            _newer[_mostRecent[region]] = node;
        }

        _mostRecent[region] = node;
        if (_leastRecent[region] == None)
        {
            _leastRecent[region] = node;
        }

        _counts[region]++;
    }

    private void Unlink(int node)
    {
        int region = _region[node];
        int older = _older[node];
        int newer = _newer[node];
        if (newer == None)
        {
            _mostRecent[region] = older;
        }
        else
        {
            _older[newer] = older;
        }

        if (older == None)
        {
            _leastRecent[region] = newer;
        }
        else
        {
            _newer[older] = newer;
        }

        _counts[region]--;
    }
}
