namespace CortexHybrid.Caching.Policies;

/// <summary>
/// Adaptive W-TinyLFU (<see cref="CachePolicy.WTinyLfu"/>), after Caffeine. New entries enter an LRU
/// window; the main region is a segmented LRU (probation, then protected once read again). When
/// level 1 is over budget and the window over its share, the window's oldest entry (the candidate)
/// competes with probation's oldest (the victim): the one the <see cref="FrequencySketch"/> says was
/// seen less often leaves level 1 (ties keep the victim: a one-off key does not displace a known
/// one). The window's share climbs between 0 and about 80% of level 1, at most <see cref="MaxStep"/>
/// per period, toward the share a <see cref="WindowSizer"/> finds best on a sample of the same traffic.
/// </summary>
/// <remarks>
/// Region limits apply to the entry count and, when level 1 has one, to the byte budget alike.
/// Every operation is O(1): window and protected overflow after a share change move at most
/// <see cref="MaxTransfers"/> entries per call and the rest on later calls.
/// </remarks>
internal sealed class WTinyLfuPolicy : Level1Policy
{
    /// <summary>The window's first share (Caffeine: 1%).</summary>
    public const double InitialWindowShare = 0.01;

    /// <summary>Probation's share of level 1, fixed; protected has the rest after the window (Caffeine: 20% of the main 99%).</summary>
    public const double ProbationShare = 0.2 * 0.99;

    /// <summary>A candidate this frequent or more is admitted against a more frequent victim one time in 128 (against hash flooding).</summary>
    public const int HashFloodThreshold = 6;

    /// <summary>The most the window's share moves per sizing period (twice Caffeine's first hill-climbing step).</summary>
    public const double MaxStep = 0.125;

    private const int MaxTransfers = 8;

    private readonly int _capacity;
    private readonly long? _maxBytes;
    private readonly RecencyList _window = new();
    private readonly RecencyList _probation = new();
    private readonly RecencyList _protected = new();
    private readonly RecencyList[] _lists;
    private readonly FrequencySketch _sketch;
    private readonly WindowSizer _sizer;

    private int _windowMaxCount;
    private int _protectedMaxCount;
    private long _windowMaxBytes;
    private long _protectedMaxBytes;
    private uint _random = 0x9E3779B9;

    /// <summary>A policy for level 1 of <paramref name="capacity"/> entries and at most <paramref name="maxBytes"/> bytes.</summary>
    public WTinyLfuPolicy(int capacity, long? maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _maxBytes = maxBytes;
        _lists = [_window, _probation, _protected];
        _sketch = new FrequencySketch(capacity);
        _sizer = new WindowSizer(capacity);
        WindowShare = InitialWindowShare;
        ApplyShare();
    }

    /// <summary>The window's share of level 1 now, 0 to 1 − <see cref="ProbationShare"/>.</summary>
    public double WindowShare { get; private set; }

    /// <summary>The most entries the window holds now (at least 1).</summary>
    public int WindowMaxCount => _windowMaxCount;

    public override int Count => _window.Count + _probation.Count + _protected.Count;

    public override long StoredBytes => _window.StoredBytes + _probation.StoredBytes + _protected.StoredBytes;

    public override IReadOnlyList<RecencyList> Lists => _lists;

    /// <summary>The sketch, for tests.</summary>
    internal FrequencySketch Sketch => _sketch;

    /// <summary>Entries in the window, probation and protected.</summary>
    internal (int Window, int Probation, int Protected) RegionCounts => (_window.Count, _probation.Count, _protected.Count);

    public override void Add(CacheEntry entry)
    {
        int hash = KeyHash.Of(entry);
        _sketch.Increment(hash);
        Size(hash);
        entry.Region = Level1Region.Window;
        _window.AddMostRecent(entry);

        // While the main region has room (filling up, or after the window shrank), the window's
        // overflow moves there at once instead of waiting for an eviction.
        for (int moves = 0; moves < 2 && WindowOver() && _window.LeastRecent is CacheEntry oldest && MainHasRoomFor(oldest); moves++)
        {
            MoveTo(oldest, _probation, Level1Region.Probation);
        }

        DemoteProtectedOverflow();
    }

    public override void OnRead(CacheEntry entry)
    {
        int hash = KeyHash.Of(entry);
        _sketch.Increment(hash);
        Size(hash);
        switch (entry.Region)
        {
            case Level1Region.Window:
                _window.MoveToMostRecent(entry);
                break;
            case Level1Region.Probation:
                _probation.Remove(entry);
                entry.Region = Level1Region.Protected;
                _protected.AddMostRecent(entry);
                break;
            default:
                _protected.MoveToMostRecent(entry);
                break;
        }

        DemoteProtectedOverflow();
    }

    public override void Remove(CacheEntry entry) => ListOf(entry).Remove(entry);

    public override CacheEntry SelectVictim()
    {
        int moves = 0;
        while (WindowOver() && _window.LeastRecent is CacheEntry candidate)
        {
            if (moves++ < MaxTransfers && MainHasRoomFor(candidate))
            {
                MoveTo(candidate, _probation, Level1Region.Probation);
                continue;
            }

            CacheEntry? victim = _probation.LeastRecent ?? _protected.LeastRecent;
            if (victim is null || !Admit(candidate, victim))
            {
                return candidate;
            }

            MoveTo(candidate, _probation, Level1Region.Probation);
            return victim;
        }

        return _probation.LeastRecent ?? _protected.LeastRecent ?? _window.LeastRecent!;
    }

    public override void Clear()
    {
        _window.Clear();
        _probation.Clear();
        _protected.Clear();
        _sketch.Clear();
        _sizer.Reset();
        WindowShare = InitialWindowShare;
        ApplyShare();
    }

    /// <summary>Whether <paramref name="candidate"/> should replace <paramref name="victim"/> in the main region.</summary>
    private bool Admit(CacheEntry candidate, CacheEntry victim)
    {
        int candidateFrequency = _sketch.Frequency(KeyHash.Of(candidate));
        int victimFrequency = _sketch.Frequency(KeyHash.Of(victim));
        if (candidateFrequency > victimFrequency)
        {
            return true;
        }

        if (candidateFrequency < HashFloodThreshold)
        {
            return false;
        }

        _random ^= _random << 13;
        _random ^= _random >> 17;
        _random ^= _random << 5;
        return (_random & 127) == 0;
    }

    /// <summary>Feeds the sizer; every period, climbs at most <see cref="MaxStep"/> toward its target.</summary>
    private void Size(int hash)
    {
        if (_sizer.Record(hash))
        {
            WindowShare = Math.Clamp(WindowShare + Math.Clamp(_sizer.Target - WindowShare, -MaxStep, MaxStep), 0, 1 - ProbationShare);
            ApplyShare();
        }
    }

    /// <summary>Moves protected's overflow (after the window grew) to probation, a few entries per call.</summary>
    private void DemoteProtectedOverflow()
    {
        for (int moves = 0; moves < MaxTransfers && ProtectedOver() && _protected.LeastRecent is CacheEntry demoted; moves++)
        {
            MoveTo(demoted, _probation, Level1Region.Probation);
        }
    }

    private void ApplyShare()
    {
        _windowMaxCount = Math.Max(1, _capacity - (int)((1 - WindowShare) * _capacity));
        double protectedShare = Math.Max(0, 1 - WindowShare - ProbationShare);
        _protectedMaxCount = (int)(protectedShare * _capacity);
        if (_maxBytes is long max)
        {
            _windowMaxBytes = Math.Max(1, (long)(WindowShare * max));
            _protectedMaxBytes = (long)(protectedShare * max);
        }
    }

    private bool WindowOver() =>
        _window.Count > _windowMaxCount || (_maxBytes is not null && _window.Count > 1 && _window.StoredBytes > _windowMaxBytes);

    private bool ProtectedOver() =>
        _protected.Count > _protectedMaxCount || (_maxBytes is not null && _protected.StoredBytes > _protectedMaxBytes);

    private bool MainHasRoomFor(CacheEntry candidate) =>
        _probation.Count + _protected.Count + 1 <= _capacity - _windowMaxCount
        && (_maxBytes is not long max || _probation.StoredBytes + _protected.StoredBytes + candidate.StoredLength <= max - _windowMaxBytes);

    private void MoveTo(CacheEntry entry, RecencyList list, Level1Region region)
    {
        ListOf(entry).Remove(entry);
        entry.Region = region;
        list.AddMostRecent(entry);
    }

    private RecencyList ListOf(CacheEntry entry) => entry.Region switch
    {
        Level1Region.Window => _window,
        Level1Region.Probation => _probation,
        _ => _protected,
    };
}
