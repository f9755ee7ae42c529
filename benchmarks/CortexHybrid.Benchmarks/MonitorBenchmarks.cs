using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CortexHybrid.Metrics;
using HdrHistogram;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// The cost of recording one request in <see cref="PerformanceMonitor"/>. Record (one thread):
/// <see cref="PerformanceMonitor.StartRequest"/> + <see cref="RequestTimer.Dispose"/> and
/// <see cref="PerformanceMonitor.RecordResponseTime"/> against HdrHistogram's
/// <see cref="LongHistogram.RecordValue"/> of a fixed value (the baseline: a histogram with the
/// monitor's layout, 2 significant digits = 256 sub-buckets up to 2^42 ns, and no clock),
/// <see cref="Stopwatch.GetTimestamp"/> twice (the two clock reads a timer makes, alone) and the
/// seed design's recorder (a lock, a list of the last 1,000 samples, a sorted copy for p50/p95/p99
/// on every record). Record2Threads: two threads recording into one monitor, or one
/// <see cref="LongConcurrentHistogram"/> (the baseline), at once; times are per record.
/// </summary>
/// <remarks>
/// The seed recorder is fed a cycle of varied latencies over a full window, as in service: a
/// constant value would make its sort faster than it is. The monitor's and HdrHistogram's cost
/// does not depend on the value.
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class MonitorBenchmarks
{
    private const string Operation = "request";
    private const long HighestTrackableNanoseconds = (1L << 42) - 1;
    private const int SignificantDigits = 2;
    private const long DurationNanoseconds = 1_000_000;
    private const int SeedSampleCount = 1024;
    private const int Threads = 2;
    private const int RecordsPerThread = 10_000;
    private const int ThreadedOperations = Threads * RecordsPerThread;

    private static readonly TimeSpan _duration = TimeSpan.FromTicks(DurationNanoseconds / 100);

    private readonly double[] _seedSamples = new double[SeedSampleCount];
    private int _seedNext;
    private PerformanceMonitor _monitor = null!;
    private LongHistogram _histogram = null!;
    private SeedRecorder _seedRecorder = null!;
    private PerformanceMonitor _threadedMonitor = null!;
    private LongConcurrentHistogram _concurrentHistogram = null!;
    private Barrier _startTogether = null!;

    [GlobalSetup]
    public void Setup()
    {
        _monitor = new PerformanceMonitor();
        _histogram = new LongHistogram(1, HighestTrackableNanoseconds, SignificantDigits);
        _threadedMonitor = new PerformanceMonitor();
        _concurrentHistogram = new LongConcurrentHistogram(1, HighestTrackableNanoseconds, SignificantDigits);
        _startTogether = new Barrier(Threads);

        // Latencies from 0.5 ms to 50 ms, log-uniform, in a fixed order.
        var random = new Random(42);
        for (int i = 0; i < _seedSamples.Length; i++)
        {
            _seedSamples[i] = 0.5 * Math.Pow(100, random.NextDouble());
        }

        _seedRecorder = new SeedRecorder();
        for (int i = 0; i < SeedRecorder.MaxSamples; i++)
        {
            _seedRecorder.Record(NextSeedSample());
        }

        // Every benchmark must measure a recorded request: fail the run rather than time a no-op.
        _monitor.StartRequest(Operation).Dispose();
        _monitor.RecordResponseTime(_duration, Operation);
        if (_monitor.GetSnapshot().Throughput.TotalRequests != 2)
        {
            throw new InvalidOperationException("PerformanceMonitor did not record the two requests.");
        }

        _histogram.RecordValue(DurationNanoseconds);
        if (_histogram.TotalCount != 1)
        {
            throw new InvalidOperationException("LongHistogram did not record the value.");
        }

        if (_seedRecorder.Count != SeedRecorder.MaxSamples || !(_seedRecorder.P50 > 0 && _seedRecorder.P50 <= _seedRecorder.P95 && _seedRecorder.P95 <= _seedRecorder.P99))
        {
            throw new InvalidOperationException("The seed recorder does not hold a full window.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _monitor.Dispose();
        _threadedMonitor.Dispose();
        _startTogether.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Record")]
    public void Record_HdrHistogramRecordValue() => _histogram.RecordValue(DurationNanoseconds);

    [Benchmark, BenchmarkCategory("Record")]
    public void Record_StartRequestDispose() => _monitor.StartRequest(Operation).Dispose();

    [Benchmark, BenchmarkCategory("Record")]
    public void Record_RecordResponseTime() => _monitor.RecordResponseTime(_duration, Operation);

    [Benchmark, BenchmarkCategory("Record")]
    public long Record_TwoTimestamps()
    {
        long start = Stopwatch.GetTimestamp();
        return Stopwatch.GetTimestamp() - start;
    }

    [Benchmark, BenchmarkCategory("Record")]
    public double Record_SeedLockedListSort()
    {
        _seedRecorder.Record(NextSeedSample());
        return _seedRecorder.P99;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = ThreadedOperations), BenchmarkCategory("Record2Threads")]
    public Task Record2Threads_HdrConcurrentHistogramRecordValue() => RunOnThreads(() =>
    {
        LongConcurrentHistogram histogram = _concurrentHistogram;
        for (int i = 0; i < RecordsPerThread; i++)
        {
            histogram.RecordValue(DurationNanoseconds);
        }
    });

    [Benchmark(OperationsPerInvoke = ThreadedOperations), BenchmarkCategory("Record2Threads")]
    public Task Record2Threads_StartRequestDispose() => RunOnThreads(() =>
    {
        PerformanceMonitor monitor = _threadedMonitor;
        for (int i = 0; i < RecordsPerThread; i++)
        {
            monitor.StartRequest(Operation).Dispose();
        }
    });

    /// <summary>Runs <paramref name="recordMany"/> on <see cref="Threads"/> pool threads that start together.</summary>
    private Task RunOnThreads(Action recordMany)
    {
        var tasks = new Task[Threads];
        for (int t = 0; t < tasks.Length; t++)
        {
            tasks[t] = Task.Run(() =>
            {
                _startTogether.SignalAndWait();
                recordMany();
            });
        }

        return Task.WhenAll(tasks);
    }

    private double NextSeedSample()
    {
        double sample = _seedSamples[_seedNext];
        _seedNext = (_seedNext + 1) % _seedSamples.Length;
        return sample;
    }

    /// <summary>
    /// The seed design: under a lock, append to a list of the last 1,000 samples (dropping the
    /// oldest beyond that), then sort a copy and read p50, p95 and p99 from it, on every record.
    /// </summary>
    private sealed class SeedRecorder
    {
        public const int MaxSamples = 1_000;

        private readonly Lock _sync = new();
        private readonly List<double> _samples = new(MaxSamples + 1);

        public int Count
        {
            get
            {
                lock (_sync)
                {
                    return _samples.Count;
                }
            }
        }

        public double P50 { get; private set; }

        public double P95 { get; private set; }

        public double P99 { get; private set; }

        public void Record(double milliseconds)
        {
            lock (_sync)
            {
                _samples.Add(milliseconds);
                if (_samples.Count > MaxSamples)
                {
                    _samples.RemoveAt(0);
                }

                var sorted = new List<double>(_samples);
                sorted.Sort();
                P50 = Percentile(sorted, 0.50);
                P95 = Percentile(sorted, 0.95);
                P99 = Percentile(sorted, 0.99);
            }
        }

        private static double Percentile(List<double> sorted, double fraction) =>
            sorted[Math.Min(sorted.Count - 1, (int)(fraction * sorted.Count))];
    }
}
