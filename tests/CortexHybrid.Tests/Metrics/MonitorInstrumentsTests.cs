using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using CortexHybrid.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Metrics;

/// <summary>
/// The monitor's instruments seen through a <see cref="MeterListener"/>. In one collection with the
/// allocation tests: a listener enabling the monitor's instruments would make recording pay for them.
/// </summary>
[Collection("PerformanceMonitor instruments")]
public sealed class MonitorInstrumentsTests
{
    private const string MonitorTag = "cortex.monitor.name";

    /// <summary>
    /// Listens to the instruments of one monitor. Every monitor has its own meter "CortexHybrid" with
    /// the same instrument names, and other tests create and use monitors in parallel; so the
    /// listener enables only the instruments published on this thread while this monitor is
    /// created (publication is synchronous), and keeps only measurements tagged with its name.
    /// </summary>
    private sealed class MonitorListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly string _name;
        private int _creatingThread;

        public MonitorListener(string name)
        {
            _name = name;
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (Volatile.Read(ref _creatingThread) == Environment.CurrentManagedThreadId
                    && instrument.Meter.Name == "CortexHybrid"
                    && instrument.Name.StartsWith("cortex.", StringComparison.Ordinal))
                {
                    Instruments[instrument.Name] = instrument;
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.MeasurementsCompleted = (instrument, _) => Completed.Enqueue(instrument.Name);
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.Start();
        }

        public ConcurrentDictionary<string, Instrument> Instruments { get; } = new();

        public ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> Measurements { get; } = new();

        public ConcurrentQueue<string> Completed { get; } = new();

        public (PerformanceMonitor Monitor, FakeTimeProvider Time) CreateMonitor(PerformanceMonitorOptions options)
        {
            Assert.Equal(_name, options.Name);
            Volatile.Write(ref _creatingThread, Environment.CurrentManagedThreadId);
            try
            {
                return MonitorFixture.Create(options);
            }
            finally
            {
                Volatile.Write(ref _creatingThread, 0);
            }
        }

        /// <summary>Reads the observable instruments now.</summary>
        public void Collect() => _listener.RecordObservableInstruments();

        public List<(double Value, Dictionary<string, object?> Tags)> Of(string instrument) =>
            [.. Measurements.Where(m => m.Instrument == instrument).Select(m => (m.Value, m.Tags))];

        public void Clear() => Measurements.Clear();

        public void Dispose() => _listener.Dispose();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == MonitorTag && tag.Value as string == _name)
                {
                    var all = new Dictionary<string, object?>();
                    foreach (KeyValuePair<string, object?> t in tags)
                    {
                        all[t.Key] = t.Value;
                    }

                    Measurements.Enqueue((instrument.Name, value, all));
                    return;
                }
            }
        }
    }

    private static (MonitorListener Listener, PerformanceMonitor Monitor, FakeTimeProvider Time) Create(Action<PerformanceMonitorOptions>? configure = null)
    {
        PerformanceMonitorOptions options = MonitorFixture.Options();
        configure?.Invoke(options);
        var listener = new MonitorListener(options.Name);
        var (monitor, time) = listener.CreateMonitor(options);
        return (listener, monitor, time);
    }

    [Fact]
    public void The_monitor_publishes_its_seven_instruments_with_their_units()
    {
        var (listener, monitor, _) = Create();
        using (listener)
        using (monitor)
        {
            Dictionary<string, string?> units = listener.Instruments.ToDictionary(i => i.Key, i => i.Value.Unit);
            Assert.Equal(
                new Dictionary<string, string?>
                {
                    ["cortex.request.duration"] = "s",
                    ["cortex.request.errors"] = "{error}",
                    ["cortex.stage.duration"] = "s",
                    ["cortex.requests"] = "{request}",
                    ["cortex.health.score"] = "1",
                    ["cortex.process.memory.working_set"] = "By",
                    ["cortex.process.cpu.utilization"] = "1",
                },
                units);
            Assert.IsType<Histogram<double>>(listener.Instruments["cortex.request.duration"]);
            Assert.IsType<Counter<long>>(listener.Instruments["cortex.request.errors"]);
            Assert.IsType<Histogram<double>>(listener.Instruments["cortex.stage.duration"]);
            Assert.IsAssignableFrom<ObservableCounter<long>>(listener.Instruments["cortex.requests"]);
            Assert.IsAssignableFrom<ObservableGauge<double>>(listener.Instruments["cortex.health.score"]);
            Assert.IsAssignableFrom<ObservableUpDownCounter<long>>(listener.Instruments["cortex.process.memory.working_set"]);
            Assert.IsAssignableFrom<ObservableGauge<double>>(listener.Instruments["cortex.process.cpu.utilization"]);
        }
    }

    [Fact]
    public void Request_durations_are_recorded_in_seconds_by_operation()
    {
        var (listener, monitor, time) = Create();
        using (listener)
        using (monitor)
        {
            monitor.RecordResponseTime(TimeSpan.FromMilliseconds(250), "search");
            using (monitor.StartRequest("index"))
            {
                time.Advance(TimeSpan.FromMilliseconds(40));
            }

            RequestTimer failed = monitor.StartRequest("checkout");
            time.Advance(TimeSpan.FromMicroseconds(1500));
            failed.Fail("timeout");

            var durations = listener.Of("cortex.request.duration");
            Assert.Equal(3, durations.Count);
            Assert.Equal(["search", "index", "checkout"], durations.Select(d => d.Tags["operation"]));
            Assert.Equal(0.25, durations[0].Value, 12);
            Assert.Equal(0.04, durations[1].Value, 12);
            Assert.Equal(0.0015, durations[2].Value, 12);
            Assert.All(durations, d => Assert.Equal(2, d.Tags.Count)); // the monitor's name and the operation
        }
    }

    [Fact]
    public void Errors_are_counted_by_category()
    {
        var (listener, monitor, _) = Create();
        using (listener)
        using (monitor)
        {
            monitor.RecordError("validation");
            monitor.RecordError("validation");
            monitor.StartRequest("search").Fail("timeout");

            var errors = listener.Of("cortex.request.errors");
            Assert.Equal(["validation", "validation", "timeout"], errors.Select(e => e.Tags["category"]));
            Assert.All(errors, e => Assert.Equal(1, e.Value));
        }
    }

    [Fact]
    public void Stage_durations_are_recorded_in_seconds_by_stage()
    {
        var (listener, monitor, _) = Create();
        using (listener)
        using (monitor)
        {
            monitor.RecordStage("fetch", TimeSpan.FromMilliseconds(12));
            monitor.RecordStage("rank", TimeSpan.FromMicroseconds(300));
            monitor.RecordStage("fetch", TimeSpan.FromSeconds(2));

            var stages = listener.Of("cortex.stage.duration");
            Assert.Equal(["fetch", "rank", "fetch"], stages.Select(s => s.Tags["stage"]));
            Assert.Equal([0.012, 0.0003, 2.0], stages.Select(s => Math.Round(s.Value, 12)));
            Assert.Empty(listener.Of("cortex.request.duration")); // a stage is not a request
        }
    }

    [Fact]
    public void Observable_instruments_report_requests_health_working_set_and_cpu()
    {
        var (listener, monitor, time) = Create();
        using (listener)
        using (monitor)
        {
            // 20 requests of 250 ms (p95 between 2 and 4 times the 100 ms target: latency part 0.5)
            // and one error (5% of the requests in the window: error part 0.75).
            for (int i = 0; i < 20; i++)
            {
                monitor.RecordResponseTime(TimeSpan.FromMilliseconds(250), "search");
            }

            monitor.RecordError("internal");
            time.Advance(TimeSpan.FromSeconds(1));

            listener.Collect();
            long workingSetAfter = Environment.WorkingSet;

            Assert.Equal(20, Assert.Single(listener.Of("cortex.requests")).Value);
            Assert.Equal((0.3 * 0.5) + (0.3 * 1) + (0.3 * 0.75) + (0.1 * 1), Assert.Single(listener.Of("cortex.health.score")).Value, 12);
            double workingSet = Assert.Single(listener.Of("cortex.process.memory.working_set")).Value;
            Assert.InRange(workingSet, workingSetAfter / 2.0, workingSetAfter * 2.0);
            Assert.InRange(Assert.Single(listener.Of("cortex.process.cpu.utilization")).Value, 0, 1);

            // The counter follows the requests.
            listener.Clear();
            monitor.RecordResponseTime(TimeSpan.FromMilliseconds(1), "search");
            listener.Collect();
            Assert.Equal(21, Assert.Single(listener.Of("cortex.requests")).Value);
        }
    }

    [Fact]
    public void The_cpu_gauge_reports_the_cpu_used_between_two_collections()
    {
        // Between two collections the process uses at least 200 ms of CPU (this thread spins until
        // the process's CPU time has grown by that much) while the monitor's clock moves 200 ms:
        // at least 200 / 200 / cores. The health score gauge is read in the same collections.
        var (listener, monitor, time) = Create();
        using (listener)
        using (monitor)
        {
            listener.Collect();
            TimeSpan start = ProcessCpu();
            while (ProcessCpu() - start < TimeSpan.FromMilliseconds(200))
            {
                Thread.SpinWait(1000);
            }

            time.Advance(TimeSpan.FromMilliseconds(200));
            listener.Clear();
            listener.Collect();

            double utilization = Assert.Single(listener.Of("cortex.process.cpu.utilization")).Value;
            Assert.InRange(utilization, 0.99 / Environment.ProcessorCount, 1);
        }
    }

    [Fact]
    public void The_cpu_reading_alone_reports_the_cpu_used_since_the_previous_reading()
    {
        // The same measurement as the gauge test without the instruments: two readings of the
        // monitor's CPU figure around 200 ms of process CPU and 200 ms of its clock. (Passing here
        // while the gauge test fails points at the readings in between, not at the arithmetic.)
        var (monitor, time) = MonitorFixture.Create();
        using (monitor)
        {
            Assert.Equal(0, monitor.CpuUtilization()); // the first reading has nothing to compare with
            TimeSpan start = ProcessCpu();
            while (ProcessCpu() - start < TimeSpan.FromMilliseconds(200))
            {
                Thread.SpinWait(1000);
            }

            time.Advance(TimeSpan.FromMilliseconds(200));
            Assert.InRange(monitor.CpuUtilization(), 0.99 / Environment.ProcessorCount, 1);
        }
    }

    private static TimeSpan ProcessCpu()
    {
        using Process process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    [Fact]
    public void Operations_past_the_name_limit_are_tagged_other()
    {
        var (listener, monitor, _) = Create(o => o.MaxNames = 2);
        using (listener)
        using (monitor)
        {
            foreach (string operation in (string[])["a", "b", "c", "d"])
            {
                monitor.RecordResponseTime(TimeSpan.FromMilliseconds(1), operation);
            }

            Assert.Equal(["a", "b", PerformanceMonitor.OverflowName, PerformanceMonitor.OverflowName], listener.Of("cortex.request.duration").Select(d => d.Tags["operation"]));
        }
    }

    [Fact]
    public void Stages_past_the_name_limit_are_tagged_other_like_operations()
    {
        // MaxNames bounds the names tracked, and the snapshot puts later stages under "other";
        // the stage tag of the instrument should be bounded the same way (a tag value per stage
        // name is a time series per name in a metrics back end).
        var (listener, monitor, _) = Create(o => o.MaxNames = 2);
        using (listener)
        using (monitor)
        {
            foreach (string stage in (string[])["a", "b", "c", "d"])
            {
                monitor.RecordStage(stage, TimeSpan.FromMilliseconds(1));
            }

            Assert.Equal(["a", "b", PerformanceMonitor.OverflowName], monitor.GetSnapshot().Stages.Select(s => s.Name).Order(StringComparer.Ordinal));
            Assert.Equal(["a", "b", PerformanceMonitor.OverflowName, PerformanceMonitor.OverflowName], listener.Of("cortex.stage.duration").Select(d => d.Tags["stage"]));
        }
    }

    [Fact]
    public void A_disposed_monitor_completes_its_instruments_and_publishes_nothing_more()
    {
        var (listener, monitor, _) = Create();
        using (listener)
        {
            monitor.RecordResponseTime(TimeSpan.FromMilliseconds(1), "search");
            Assert.Single(listener.Of("cortex.request.duration"));

            monitor.Dispose();
            Assert.Equal(listener.Instruments.Keys.Order(StringComparer.Ordinal), listener.Completed.Order(StringComparer.Ordinal));

            listener.Clear();
            monitor.RecordResponseTime(TimeSpan.FromMilliseconds(1), "search");
            monitor.RecordError("internal");
            monitor.RecordStage("fetch", TimeSpan.FromMilliseconds(1));
            listener.Collect();
            Assert.Empty(listener.Measurements);
        }
    }
}
