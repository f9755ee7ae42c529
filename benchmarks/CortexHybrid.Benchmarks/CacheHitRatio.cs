using System.Diagnostics;
using System.Globalization;
using System.Text;
using CortexHybrid.Caching;
using CachePolicy = CortexHybrid.Caching.CachePolicy;
using Microsoft.Extensions.Caching.Memory;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// <c>cache-hit-ratio [--traces DIR]</c>: hit ratios, not timings, printed as two markdown tables.
/// (a) A Zipf workload of compressible JSON values at an equal memory budget: one MemoryCache
/// against TieredCache levels 1 and 2. (b) Real traces (shared/traces) replayed through TieredCache
/// and MemoryCache at the entry counts of the traces' README, beside its LRU and optimal figures.
/// </summary>
public static class CacheHitRatio
{
    /// <summary>The first command-line argument that selects this tool instead of BenchmarkDotNet.</summary>
    public const string Command = "cache-hit-ratio";

    public const string Attribution =
        "Traces web07 and orm-busy: headissue GmbH, Jens Wilke (cache2k), licensed CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); see shared/traces/LICENSE.txt.";

    private const int ZipfKeyCount = 100_000;
    private const int ZipfAccesses = 1_000_000;
    private const double ZipfExponent = 0.9;
    private const int ZipfSeed = 20_240_901;
    private const long BudgetBytes = 8L * 1024 * 1024;
    private const long Level1BudgetBytes = BudgetBytes / 4;

    private const string LoopName = "loop-1011";
    private const int LoopKeys = 1_011;
    private const int LoopCycles = 100;
    private const int LoopCapacity = 512;

    private const string ZipfScanName = "zipf+scan";
    private const int ZipfScanKeys = 50_000;
    private const int ZipfScanAccesses = 500_000;
    private const int ZipfScanEvery = 20_000;
    private const int ZipfScanLength = 5_000;
    private const int ZipfScanCapacity = 2_000;

    /// <summary>The README's reference figures (exact simulation, cache sized in entries).</summary>
    private static readonly (string Trace, int Capacity, double Lru, double Optimal)[] _references =
    [
        ("web07", 500, 0.4558, 0.5916),
        ("web07", 2_000, 0.5550, 0.6797),
        ("orm-busy", 1_000, 0.7878, 0.8414),
        ("orm-busy", 5_000, 0.8546, 0.9140),
    ];

    /// <summary>Runs the tool; <paramref name="args"/> are those after <see cref="Command"/>.</summary>
    /// <returns>The process exit code: 0, 1 when the traces are missing, 2 for bad arguments.</returns>
    public static int Run(IReadOnlyList<string> args)
    {
        string? tracesDirectory = null;
        for (int i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--traces" when i + 1 < args.Count:
                    tracesDirectory = args[++i];
                    break;
                case "-h" or "--help":
                    Console.WriteLine($"Usage: {Command} [--traces DIR]   (DIR: web07.trace.xz and orm-busy.trace.xz; default: shared/traces found above the current directory)");
                    return 0;
                default:
                    Console.Error.WriteLine($"Unknown or incomplete argument '{args[i]}'. Usage: {Command} [--traces DIR]");
                    return 2;
            }
        }

        tracesDirectory ??= FindTracesDirectory();
        if (tracesDirectory is null || !Directory.Exists(tracesDirectory))
        {
            Console.Error.WriteLine($"No traces directory ({tracesDirectory ?? "no shared/traces above " + Environment.CurrentDirectory}); pass --traces DIR.");
            return 1;
        }

        Console.WriteLine(ZipfTable());
        Console.WriteLine();
        Console.WriteLine(TraceTable(tracesDirectory));
        return 0;
    }

    /// <summary>
    /// The first <c>shared/traces</c> holding web07.trace.xz found walking up from the current
    /// directory (from /work/main: /work/shared/traces), then from the application's directory;
    /// null when there is none.
    /// </summary>
    public static string? FindTracesDirectory()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? directory = new(start); directory is not null; directory = directory.Parent)
            {
                string candidate = Path.Combine(directory.FullName, "shared", "traces");
                if (File.Exists(Path.Combine(candidate, "web07.trace.xz")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Table (a): get-or-set over Zipf keys with JSON values, every cache given <see cref="BudgetBytes"/> of payload.</summary>
    public static string ZipfTable()
    {
        int[] ranks = new ZipfKeys(ZipfKeyCount, ZipfExponent, ZipfSeed).Take(ZipfAccesses);
        string[] keys = new string[ZipfKeyCount];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = string.Create(CultureInfo.InvariantCulture, $"product:{i:D6}");
        }

        var rows = new List<string>
        {
            ZipfMemoryCache(ranks, keys),
            ZipfTiered(
                ranks,
                keys,
                "TieredCache L1+L2",
                $"L1MaxBytes {Mib(Level1BudgetBytes)} (W-TinyLFU) + L2MaxBytes {Mib(BudgetBytes - Level1BudgetBytes)} (Brotli), L3 off",
                new TieredCacheOptions
                {
                    L1Capacity = ZipfKeyCount,
                    L2Capacity = ZipfKeyCount,
                    L3Capacity = 0,
                    L1MaxBytes = Level1BudgetBytes,
                    L2MaxBytes = BudgetBytes - Level1BudgetBytes,
                    DefaultTtl = TimeSpan.FromDays(1),
                    Name = "zipf-l1l2",
                }),
            ZipfTiered(
                ranks,
                keys,
                "TieredCache L1 only (reference)",
                $"L1MaxBytes {Mib(BudgetBytes)}, L2 and L3 off: an exact LRU by bytes",
                new TieredCacheOptions
                {
                    L1Capacity = ZipfKeyCount,
                    L2Capacity = 0,
                    L3Capacity = 0,
                    L1MaxBytes = BudgetBytes,
                    DefaultTtl = TimeSpan.FromDays(1),
                    Name = "zipf-l1",
                    Level1Policy = CachePolicy.Lru,
                }),
        };

        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"### (a) Zipf({ZipfExponent}) over {ZipfKeyCount:N0} keys, {ZipfAccesses:N0} get-or-set accesses, JSON values of {JsonPayloads.MinTargetBytes:N0}–~4,000 bytes, payload budget {Mib(BudgetBytes)}");
        table.AppendLine();
        table.AppendLine("| cache | configuration | hit ratio | payload bytes held | entries held | detail | time |");
        table.AppendLine("|---|---|---:|---:|---:|---|---:|");
        foreach (string row in rows)
        {
            table.AppendLine(row);
        }

        table.AppendLine();
        table.Append("Bytes held: MemoryCache `GetCurrentStatistics().CurrentEstimatedSize` (sum of entry Sizes = value lengths); TieredCache `GetStatistics().SizeBytes` (level 1 values + level 2 compressed bytes). Neither counts keys or per-entry objects.");
        return table.ToString();
    }

    /// <summary>Table (b): the README's traces and capacities, and two synthetic workloads, through every cache.</summary>
    public static string TraceTable(string tracesDirectory)
    {
        var table = new StringBuilder();
        table.AppendLine("### (b) Real traces and synthetic workloads: get, then set on a miss, cache sized in entries");
        table.AppendLine();
        table.AppendLine("| trace | capacity | L1 W-TinyLFU | L1 exact LRU | BitFaster ConcurrentLru | BitFaster ConcurrentLfu | W-TinyLFU − best other | L1+L2 (L1 = cap/5, W-TinyLFU) | MemoryCache (SizeLimit = cap) | LRU (README) | optimal (README) | replay time W-TinyLFU / LRU / BitFaster Lfu |");
        table.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        var loaded = new Dictionary<string, CacheTrace>();
        var described = new List<string>();
        var rows = new List<(string Trace, int Capacity, double? Lru, double? Optimal)>();
        foreach ((string name, int capacity, double lru, double optimal) in _references)
        {
            rows.Add((name, capacity, lru, optimal));
        }

        loaded.Add(LoopName, SyntheticWorkloads.Loop(LoopKeys, LoopCycles));
        rows.Add((LoopName, LoopCapacity, null, null));
        loaded.Add(ZipfScanName, SyntheticWorkloads.ZipfWithScans(ZipfScanKeys, ZipfScanAccesses, ZipfExponent, ZipfScanEvery, ZipfScanLength, ZipfSeed));
        rows.Add((ZipfScanName, ZipfScanCapacity, null, null));

        double sumNew = 0, sumLfu = 0;
        int targetRows = 0, withinTarget = 0;
        foreach ((string name, int capacity, double? lru, double? optimal) in rows)
        {
            if (!loaded.TryGetValue(name, out CacheTrace? trace))
            {
                trace = CacheTrace.Load(Path.Combine(tracesDirectory, name + ".trace.xz"));
                loaded.Add(name, trace);
            }

            if (!described.Exists(d => d.StartsWith(name + ":", StringComparison.Ordinal)))
            {
                described.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: {trace.Accesses.Count:N0} accesses, {trace.DistinctKeys:N0} distinct keys"));
            }

            TraceReplayResult tinyLfu = TraceReplay.Replay(trace, TraceCache.TieredL1WTinyLfu, capacity);
            TraceReplayResult exactLru = TraceReplay.Replay(trace, TraceCache.TieredL1Lru, capacity);
            TraceReplayResult bitFasterLru = TraceReplay.Replay(trace, TraceCache.BitFasterLru, capacity);
            TraceReplayResult bitFasterLfu = TraceReplay.Replay(trace, TraceCache.BitFasterLfu, capacity);
            TraceReplayResult tiered = TraceReplay.Replay(trace, TraceCache.TieredL1L2, capacity);
            TraceReplayResult memory = TraceReplay.Replay(trace, TraceCache.MemoryCache, capacity);
            double best = Math.Max(exactLru.HitRatio, Math.Max(bitFasterLru.HitRatio, bitFasterLfu.HitRatio));
            double lead = tinyLfu.HitRatio - best;
            if (name != ZipfScanName)
            {
                targetRows++;
                withinTarget += lead >= -0.003 ? 1 : 0;
                sumNew += tinyLfu.HitRatio;
                sumLfu += bitFasterLfu.HitRatio;
            }

            table.AppendLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {name} | {capacity:N0} | {Percent(tinyLfu.HitRatio)} | {Percent(exactLru.HitRatio)} | {Percent(bitFasterLru.HitRatio)} | {Percent(bitFasterLfu.HitRatio)} | {lead * 100:+0.00;-0.00;0.00} | {Percent(tiered.HitRatio)} | {Percent(memory.HitRatio)} | {(lru is double l ? Percent(l) : "–")} | {(optimal is double o ? Percent(o) : "–")} | {Seconds(tinyLfu.Elapsed)} / {Seconds(exactLru.Elapsed)} / {Seconds(bitFasterLfu.Elapsed)} |"));
        }

        table.AppendLine();
        table.AppendLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Targets (the four trace rows and the loop): W-TinyLFU within 0.3 points of the best of exact LRU and both BitFaster policies on {withinTarget} of {targetRows} rows; average {Percent(sumNew / targetRows)} against ConcurrentLfu's {Percent(sumLfu / targetRows)}."));
        table.AppendLine();
        table.AppendLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Traces read: {string.Join("; ", described)}. {LoopName}: keys 0..{LoopKeys - 1} in order, {LoopCycles} times. {ZipfScanName}: Zipf({ZipfExponent}) over {ZipfScanKeys:N0} keys, and every {ZipfScanEvery:N0} accesses a scan of {ZipfScanLength:N0} keys never seen before. LRU and optimal (Bélády): shared/traces/README.md. BitFaster.Caching 2.6.1, ConcurrentLfu with its ForegroundScheduler (maintenance on the calling thread)."));
        table.AppendLine();
        table.Append(Attribution);
        return table.ToString();
    }

    private static string ZipfMemoryCache(int[] ranks, string[] keys)
    {
        using var cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = BudgetBytes, TrackStatistics = true });
        var stopwatch = Stopwatch.StartNew();
        long hits = 0;
        foreach (int rank in ranks)
        {
            if (cache.TryGetValue(keys[rank], out _))
            {
                hits++;
            }
            else
            {
                byte[] value = JsonPayloads.ForKey(rank);
                using ICacheEntry entry = cache.CreateEntry(keys[rank]);
                entry.Value = value;
                entry.Size = value.Length;
            }
        }

        stopwatch.Stop();
        MemoryCacheStatistics statistics = cache.GetCurrentStatistics()!;
        return Row(
            "MemoryCache",
            $"SizeLimit {Mib(BudgetBytes)}, Size = value length",
            hits,
            statistics.CurrentEstimatedSize ?? 0,
            cache.Count,
            "over the limit it refuses new entries and compacts 5% on a pool thread",
            stopwatch.Elapsed);
    }

    private static string ZipfTiered(int[] ranks, string[] keys, string name, string configuration, TieredCacheOptions options)
    {
        using var cache = new TieredCache(options);
        var stopwatch = Stopwatch.StartNew();
        long hits = 0;
        foreach (int rank in ranks)
        {
            if (Sync.Wait(cache.GetAsync(keys[rank])) is not null)
            {
                hits++;
            }
            else
            {
                Sync.Wait(cache.SetAsync(keys[rank], JsonPayloads.ForKey(rank)));
            }
        }

        stopwatch.Stop();
        CacheStatistics s = cache.GetStatistics();
        string detail = options.L2Capacity == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{s.L1Count:N0} in L1")
            : string.Create(
                CultureInfo.InvariantCulture,
                $"hits L1 {Percent(s.L1HitRate)} + L2 {Percent((double)s.L2Hits / s.Requests)}; {s.L1Count:N0} in L1 + {s.L2Count:N0} in L2; L2 compression {s.CompressionRatio:0.00}x; {s.Promotions:N0} promotions");
        return Row(name, configuration, hits, s.SizeBytes, s.L1Count + s.L2Count, detail, stopwatch.Elapsed);
    }

    private static string Row(string name, string configuration, long hits, long bytes, long entries, string detail, TimeSpan elapsed) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"| {name} | {configuration} | {Percent((double)hits / ZipfAccesses)} | {bytes:N0} ({Mib(bytes)}) | {entries:N0} | {detail} | {Seconds(elapsed)} |");

    private static string Percent(double ratio) => string.Create(CultureInfo.InvariantCulture, $"{ratio * 100:0.00}%");

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):0.##} MiB");

    private static string Seconds(TimeSpan elapsed) => string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalSeconds:0.00} s");
}
