using System.Diagnostics.Metrics;
using CortexHybrid.Pooling;
using CortexHybrid.Tests.Hosting;

namespace CortexHybrid.Tests.Pooling;

/// <summary>
/// The pool's instruments seen through a <see cref="MeterListener"/>. Alone, in the global
/// telemetry collection: the listener turns on every pool's <c>cortex.pool.*</c> measurements in
/// the process, and its callback allocates, which another test counting a pool's allocations saw
/// (216 bytes a lease in one CI run).
/// </summary>
[Collection(GlobalTelemetryCollection.Name)]
public sealed class ResourcePoolMetricsTests
{
    [Fact]
    public async Task The_pool_publishes_its_figures_on_the_CortexHybrid_meter()
    {
        ResourcePoolOptions options = PoolFixture.Options(maxSize: 1, minSize: 1);
        options.Name = "metrics-test-" + Guid.NewGuid().ToString("N");
        var (pool, _, time) = await PoolFixture.CreateAsync(options);
        await using (pool)
        {
            var measurements = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "CortexHybrid" && instrument.Name.StartsWith("cortex.pool.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
            {
                var tagMap = new Dictionary<string, object?>();
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    tagMap[tag.Key] = tag.Value;
                }

                if (Equals(tagMap.GetValueOrDefault("cortex.pool.name"), options.Name))
                {
                    lock (measurements)
                    {
                        measurements.Add((instrument.Name, value, tagMap));
                    }
                }
            }

            listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
            listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
            listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
            listener.Start();

            PooledResource<FakeResource> held = await pool.AcquireAsync();
            Task<PooledResource<FakeResource>> timingOut = pool.AcquireAsync().AsTask();
            await PoolFixture.AssertPendingAsync(timingOut);
            listener.RecordObservableInstruments();
            time.Advance(options.AcquireTimeout);
            await Assert.ThrowsAsync<PoolExhaustedException>(() => timingOut);
            held.Dispose();
            listener.RecordObservableInstruments();

            double Last(string instrument, string? state = null) => measurements
                .Last(m => m.Instrument == instrument && (state is null || Equals(m.Tags.GetValueOrDefault("state") ?? m.Tags.GetValueOrDefault("outcome"), state)))
                .Value;

            Assert.Equal(1, Last("cortex.pool.resources", "idle"));
            Assert.Equal(0, Last("cortex.pool.resources", "active"));
            Assert.Equal(1, measurements.First(m => m.Instrument == "cortex.pool.waiters").Value);
            Assert.Equal(0, Last("cortex.pool.waiters"));
            Assert.Equal(1, measurements.Count(m => m.Instrument == "cortex.pool.timeouts"));
            Assert.Equal(1, Last("cortex.pool.acquisitions", "success"));
            Assert.Equal(1, Last("cortex.pool.acquisitions", "failure"));
            Assert.Equal(1, Last("cortex.pool.created"));
            Assert.Contains(measurements, m => m.Instrument == "cortex.pool.wait.duration" && m.Value == 0.0);
        }
    }
}
