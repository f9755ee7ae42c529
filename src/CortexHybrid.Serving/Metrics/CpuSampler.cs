namespace CortexHybrid.Metrics;

/// <summary>
/// The process's CPU use between two readings of one reader. Each reader (the snapshot, the CPU
/// gauge) keeps its own sampler, so one reading does not shorten the other's interval to nothing.
/// </summary>
internal sealed class CpuSampler(TimeProvider time)
{
    private readonly Lock _sync = new();
    private long _lastTimestamp;
    private TimeSpan _lastCpu;

    /// <summary>CPU used since this sampler's previous reading as a share of all cores, 0 to 1 (0 on the first reading).</summary>
    public double Read()
    {
        // One getrusage call, where Process.TotalProcessorTime reads and parses /proc/self/stat.
        TimeSpan cpu = Environment.CpuUsage.TotalTime;

        long now = time.GetTimestamp();
        lock (_sync)
        {
            double wall = _lastTimestamp == 0 ? 0 : time.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
            double used = (cpu - _lastCpu).TotalSeconds;
            _lastTimestamp = now;
            _lastCpu = cpu;
            return wall <= 0 ? 0 : Math.Clamp(used / wall / Environment.ProcessorCount, 0, 1);
        }
    }
}
