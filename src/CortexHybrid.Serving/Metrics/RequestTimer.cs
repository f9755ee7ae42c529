namespace CortexHybrid.Metrics;

/// <summary>
/// Times one request from <see cref="PerformanceMonitor.StartRequest"/>: <see cref="Dispose"/>
/// records it as a success, <see cref="Fail"/> as an error of a category. A struct: starting and
/// finishing a request allocates nothing.
/// </summary>
/// <remarks>
/// Finish each timer once. <see cref="Fail"/> followed by <see cref="Dispose"/> on the same thread
/// (a <c>using</c> around a <c>catch</c> that calls <see cref="Fail"/>) records the request once, as
/// the failure; a thread remembers up to 8 timers failed and not yet disposed.
/// </remarks>
public readonly struct RequestTimer : IDisposable
{
    /// <summary>Ids are handed to threads in blocks, so a timer gets a process-unique id without an interlocked operation.</summary>
    private const long IdBlock = 1 << 16;

    private static long s_lastIdBlock;

    [ThreadStatic]
    private static long t_nextId;

    [ThreadStatic]
    private static long t_idBlockEnd;

    /// <summary>Timers <see cref="Fail"/> finished on this thread and not yet disposed, remembered up to this many.</summary>
    private const int FailedRemembered = 8;

    /// <summary>Ids of timers failed on this thread, awaiting their <see cref="Dispose"/> (ids start at <see cref="IdBlock"/>, so 0 is an empty slot).</summary>
    [ThreadStatic]
    private static long[]? t_failedIds;

    /// <summary>How many slots of <see cref="t_failedIds"/> are in use: a request that never failed costs one read of it.</summary>
    [ThreadStatic]
    private static int t_failedCount;

    private readonly PerformanceMonitor? _monitor;
    private readonly LatencyRecorder? _recorder;
    private readonly long _start;
    private readonly long _id;

    internal RequestTimer(PerformanceMonitor monitor, LatencyRecorder recorder, long start)
    {
        _monitor = monitor;
        _recorder = recorder;
        _start = start;
        _id = NextId();
    }

    /// <summary>The operation being timed; null for a default timer.</summary>
    public string? Operation => _recorder?.Name;

    /// <summary>Records the request as a success (unless <see cref="Fail"/> already recorded it on this thread).</summary>
    public void Dispose()
    {
        if (_monitor is null)
        {
            return;
        }

        if (t_failedCount != 0 && ForgetFailed(_id))
        {
            return;
        }

        _monitor.Complete(_recorder!, _start, errorCategory: null);
    }

    /// <summary>Records the request's time and an error of <paramref name="category"/>.</summary>
    /// <param name="category">"authentication", "validation", "internal", "timeout", or any other name.</param>
    /// <exception cref="ArgumentException"><paramref name="category"/> is null or empty.</exception>
    public void Fail(string category)
    {
        ArgumentException.ThrowIfNullOrEmpty(category);
        if (_monitor is null)
        {
            return;
        }

        _monitor.Complete(_recorder!, _start, category);
        RememberFailed(_id);
    }

    private static void RememberFailed(long id)
    {
        long[] ids = t_failedIds ??= new long[FailedRemembered];

        // When all are taken one is overwritten: a timer failed and never disposed is forgotten
        // after more failures on its thread, never a timer still to be disposed among the last 8.
        int slot = Array.IndexOf(ids, 0L);
        if (slot < 0)
        {
            slot = (int)(id % FailedRemembered);
            t_failedCount--;
        }

        ids[slot] = id;
        t_failedCount++;
    }

    private static bool ForgetFailed(long id)
    {
        long[] ids = t_failedIds!;
        int slot = Array.IndexOf(ids, id);
        if (slot < 0)
        {
            return false;
        }

        ids[slot] = 0;
        t_failedCount--;
        return true;
    }

    private static long NextId()
    {
        long id = t_nextId;
        if (id == t_idBlockEnd)
        {
            id = Interlocked.Add(ref s_lastIdBlock, IdBlock);
            t_idBlockEnd = id + IdBlock;
        }

        t_nextId = id + 1;
        return id;
    }
}
