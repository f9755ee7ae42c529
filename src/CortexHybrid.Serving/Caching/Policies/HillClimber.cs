namespace CortexHybrid.Caching.Policies;

/// <summary>
/// Sizes W-TinyLFU's admission window by hill climbing on the hit rate (Caffeine's climber): every
/// <see cref="SampleSize"/> requests it compares the sample's hit rate with the previous one's and
/// keeps moving the window's share in the same direction while the hit rate does not fall, reversing
/// it when it falls. The step starts at <see cref="StepFraction"/> of the cache, decays by
/// <see cref="StepDecay"/> per sample, and restarts at full size when the hit rate moves by
/// <see cref="RestartThreshold"/> or more (the workload changed). Shares are fractions of level 1.
/// </summary>
internal sealed class HillClimber(int sampleSize)
{
    /// <summary>The first step and the step after a restart, as a share of the cache (Caffeine: 6.25%).</summary>
    public const double StepFraction = 0.0625;

    /// <summary>How much of the step is kept after each sample that does not restart (Caffeine: 0.98).</summary>
    public const double StepDecay = 0.98;

    /// <summary>A hit-rate change from one sample to the next at least this large restarts the step (Caffeine: 0.05).</summary>
    public const double RestartThreshold = 0.05;

    /// <summary>Signed step; negative shrinks the window. Caffeine starts by shrinking.</summary>
    private double _step = -StepFraction;
    private double _previousHitRate;
    private int _hits;
    private int _misses;

    /// <summary>Requests per sample (Caffeine: 10 × the cache's capacity).</summary>
    public int SampleSize { get; } = Math.Max(1, sampleSize);

    /// <summary>Counts one level 1 hit in the current sample.</summary>
    public void RecordHit() => _hits++;

    /// <summary>Counts one level 1 miss (an entry added) in the current sample.</summary>
    public void RecordMiss() => _misses++;

    /// <summary>
    /// When the sample is complete: the change to make to the window's share (positive grows it),
    /// and a new sample starts; otherwise 0.
    /// </summary>
    public double Adjustment()
    {
        int requests = _hits + _misses;
        if (requests < SampleSize)
        {
            return 0;
        }

        double hitRate = (double)_hits / requests;
        double change = hitRate - _previousHitRate;
        double amount = change >= 0 ? _step : -_step;
        _step = Math.Abs(change) >= RestartThreshold
            ? StepFraction * (amount >= 0 ? 1 : -1)
            : StepDecay * amount;
        _previousHitRate = hitRate;
        _hits = _misses = 0;
        return amount;
    }

    /// <summary>Starts over (the cache was cleared).</summary>
    public void Reset()
    {
        _step = -StepFraction;
        _previousHitRate = 0;
        _hits = _misses = 0;
    }
}
