using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using BitFaster.Caching;
using BitFaster.Caching.Lfu;
using BitFaster.Caching.Lru;
using BitFaster.Caching.Scheduler;
using CortexHybrid.Caching;
using CachePolicy = CortexHybrid.Caching.CachePolicy;
using Microsoft.Extensions.Caching.Memory;

namespace CortexHybrid.Benchmarks;

/// <summary>The caches a trace is replayed through, each holding at most a given number of entries.</summary>
public enum TraceCache
{
    /// <summary>TieredCache level 1 alone: L1Capacity = capacity, levels 2 and 3 off, exact LRU.</summary>
    TieredL1Lru,

    /// <summary>TieredCache level 1 alone: L1Capacity = capacity, levels 2 and 3 off, adaptive W-TinyLFU.</summary>
    TieredL1WTinyLfu,

    /// <summary>TieredCache levels 1 and 2: L1Capacity = capacity / 5, L2Capacity = the rest, level 3 off.</summary>
    TieredL1L2,

    /// <summary>A <see cref="MemoryCache"/> with SizeLimit = capacity and Size = 1 per entry.</summary>
    MemoryCache,

    /// <summary>BitFaster.Caching <c>ConcurrentLru</c> of capacity entries.</summary>
    BitFasterLru,

    /// <summary>BitFaster.Caching <c>ConcurrentLfu</c> (W-TinyLFU) of capacity entries, maintenance on the calling thread.</summary>
    BitFasterLfu,
}

/// <summary>One replay: accesses, hits and how long it took.</summary>
public sealed record TraceReplayResult(long Accesses, long Hits, TimeSpan Elapsed)
{
    /// <summary>Hits over accesses; 0 for an empty trace.</summary>
    public double HitRatio => Accesses == 0 ? 0 : (double)Hits / Accesses;
}

/// <summary>
/// A cache access trace: one key per access, in order. Keys become strings once per distinct key
/// (the same string instance for every access to it), so a replay allocates no keys.
/// </summary>
public sealed class CacheTrace
{
    private CacheTrace(string name, string[] accesses, int distinctKeys)
    {
        Name = name;
        Accesses = accesses;
        DistinctKeys = distinctKeys;
    }

    /// <summary>The file name without <c>.trace</c> and <c>.xz</c>.</summary>
    public string Name { get; }

    /// <summary>The key of every access, in order.</summary>
    public IReadOnlyList<string> Accesses { get; }

    public int DistinctKeys { get; }

    /// <summary>Builds a trace from keys already read.</summary>
    public static CacheTrace FromKeys(string name, ReadOnlySpan<int> keys)
    {
        var names = new Dictionary<int, string>();
        string[] accesses = new string[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            int key = keys[i];
            if (!names.TryGetValue(key, out string? text))
            {
                text = key.ToString(CultureInfo.InvariantCulture);
                names.Add(key, text);
            }

            accesses[i] = text;
        }

        return new CacheTrace(name, accesses, names.Count);
    }

    /// <summary>
    /// Reads a trace file: big-endian signed 32-bit keys, xz-compressed when the name ends in
    /// <c>.xz</c> (decompressed by running <c>xz -dc</c>, from the Debian package xz-utils).
    /// </summary>
    public static CacheTrace Load(string path)
    {
        byte[] bytes = path.EndsWith(".xz", StringComparison.OrdinalIgnoreCase) ? Decompress(path) : File.ReadAllBytes(path);
        if (bytes.Length % sizeof(int) != 0)
        {
            throw new InvalidDataException($"{path} holds {bytes.Length:N0} bytes, not a whole number of 32-bit keys.");
        }

        int[] keys = new int[bytes.Length / sizeof(int)];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i * sizeof(int)));
        }

        string name = Path.GetFileName(path);
        foreach (string suffix in new[] { ".xz", ".trace" })
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                name = name[..^suffix.Length];
            }
        }

        return FromKeys(name, keys);
    }

    private static byte[] Decompress(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No trace at {path}.", path);
        }

        var start = new ProcessStartInfo("xz")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-dc");
        start.ArgumentList.Add(path);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("xz did not start.");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException($"Cannot run xz to read {path} (install xz-utils, or pass an already decompressed trace).", exception);
        }

        using (process)
        {
            Task<string> errors = process.StandardError.ReadToEndAsync();
            using var output = new MemoryStream();
            process.StandardOutput.BaseStream.CopyTo(output);
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidDataException($"xz -dc {path} exited with {process.ExitCode}: {errors.GetAwaiter().GetResult().Trim()}");
            }

            return output.ToArray();
        }
    }
}

/// <summary>
/// Replays a trace as get, then set on a miss, one call after another, and counts the hits. Every
/// value is the same 16 bytes: these caches are sized in entries here.
/// </summary>
public static class TraceReplay
{
    private static readonly byte[] _value = [.. Enumerable.Range(0, 16).Select(i => (byte)i)];

    /// <summary>The hit ratio of <paramref name="cache"/> holding <paramref name="capacity"/> entries on the trace in <paramref name="traceFile"/>.</summary>
    /// <param name="traceFile">A trace file (see <see cref="CacheTrace.Load"/>).</param>
    /// <param name="cache">Which cache.</param>
    /// <param name="capacity">The most entries it holds, all levels together; at least 5 for <see cref="TraceCache.TieredL1L2"/>.</param>
    /// <returns>Hits over accesses.</returns>
    public static double HitRatio(string traceFile, TraceCache cache, int capacity) => Replay(CacheTrace.Load(traceFile), cache, capacity).HitRatio;

    /// <summary>The hit ratio of a TieredCache with <paramref name="options"/> on the trace in <paramref name="traceFile"/>.</summary>
    public static double HitRatio(string traceFile, TieredCacheOptions options) => Replay(CacheTrace.Load(traceFile), options).HitRatio;

    /// <summary>The TieredCache options <paramref name="cache"/> stands for (null for <see cref="TraceCache.MemoryCache"/>).</summary>
    public static TieredCacheOptions? OptionsFor(TraceCache cache, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        switch (cache)
        {
            case TraceCache.TieredL1Lru or TraceCache.TieredL1WTinyLfu:
                return new TieredCacheOptions
                {
                    L1Capacity = capacity,
                    L2Capacity = 0,
                    L3Capacity = 0,
                    DefaultTtl = TimeSpan.FromDays(1),
                    Name = "trace-l1",
                    Level1Policy = cache == TraceCache.TieredL1Lru ? CachePolicy.Lru : CachePolicy.WTinyLfu,
                };
            case TraceCache.TieredL1L2:
                ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 5);
                int level1 = capacity / 5;
                return new TieredCacheOptions { L1Capacity = level1, L2Capacity = capacity - level1, L3Capacity = 0, DefaultTtl = TimeSpan.FromDays(1), Name = "trace-l1l2" };
            case TraceCache.MemoryCache or TraceCache.BitFasterLru or TraceCache.BitFasterLfu:
                return null;
            default:
                throw new ArgumentOutOfRangeException(nameof(cache), cache, null);
        }
    }

    public static TraceReplayResult Replay(CacheTrace trace, TraceCache cache, int capacity) =>
        OptionsFor(cache, capacity) is TieredCacheOptions options ? Replay(trace, options) : cache switch
        {
            TraceCache.BitFasterLru => ReplayBitFaster(trace, new ConcurrentLru<string, byte[]>(1, capacity, StringComparer.Ordinal)),
            TraceCache.BitFasterLfu => ReplayBitFaster(trace, new ConcurrentLfu<string, byte[]>(1, capacity, new ForegroundScheduler(), StringComparer.Ordinal)),
            _ => ReplayMemoryCache(trace, capacity),
        };

    /// <summary>Replays through a BitFaster.Caching cache: TryGet, then AddOrUpdate on a miss.</summary>
    public static TraceReplayResult ReplayBitFaster(CacheTrace trace, ICache<string, byte[]> cache)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(cache);
        var stopwatch = Stopwatch.StartNew();
        long hits = 0;
        foreach (string key in trace.Accesses)
        {
            if (cache.TryGet(key, out _))
            {
                hits++;
            }
            else
            {
                cache.AddOrUpdate(key, _value);
            }
        }

        stopwatch.Stop();
        return new TraceReplayResult(trace.Accesses.Count, hits, stopwatch.Elapsed);
    }

    /// <summary>Replays through a new TieredCache with <paramref name="options"/>; its own statistics must agree with the count.</summary>
    public static TraceReplayResult Replay(CacheTrace trace, TieredCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(trace);
        using var cache = new TieredCache(options);
        var stopwatch = Stopwatch.StartNew();
        long hits = 0;
        foreach (string key in trace.Accesses)
        {
            if (Sync.Wait(cache.GetAsync(key)) is not null)
            {
                hits++;
            }
            else
            {
                Sync.Wait(cache.SetAsync(key, _value));
            }
        }

        stopwatch.Stop();
        CacheStatistics statistics = cache.GetStatistics();
        if (statistics.Requests != trace.Accesses.Count || statistics.Requests - statistics.Misses != hits)
        {
            throw new InvalidOperationException(
                $"TieredCache counted {statistics.Requests:N0} requests and {statistics.Misses:N0} misses; the replay made {trace.Accesses.Count:N0} with {hits:N0} hits.");
        }

        return new TraceReplayResult(trace.Accesses.Count, hits, stopwatch.Elapsed);
    }

    /// <summary>
    /// Replays through a MemoryCache with SizeLimit = <paramref name="capacity"/>, Size = 1 per entry.
    /// Over the limit MemoryCache refuses new entries and compacts on a thread-pool thread, so two
    /// runs can differ a little.
    /// </summary>
    public static TraceReplayResult ReplayMemoryCache(CacheTrace trace, int capacity)
    {
        ArgumentNullException.ThrowIfNull(trace);
        using var cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = capacity });
        var stopwatch = Stopwatch.StartNew();
        long hits = 0;
        foreach (string key in trace.Accesses)
        {
            if (cache.TryGetValue(key, out _))
            {
                hits++;
            }
            else
            {
                using ICacheEntry entry = cache.CreateEntry(key);
                entry.Value = _value;
                entry.Size = 1;
            }
        }

        stopwatch.Stop();
        return new TraceReplayResult(trace.Accesses.Count, hits, stopwatch.Elapsed);
    }
}

/// <summary>Waits for cache calls that complete synchronously when nothing below level 2 is involved.</summary>
internal static class Sync
{
    public static T Wait<T>(ValueTask<T> task) => task.IsCompleted ? task.GetAwaiter().GetResult() : task.AsTask().GetAwaiter().GetResult();

    public static void Wait(ValueTask task)
    {
        if (task.IsCompleted)
        {
            task.GetAwaiter().GetResult();
        }
        else
        {
            task.AsTask().GetAwaiter().GetResult();
        }
    }
}
