using System.Globalization;
using CortexHybrid.Memory;
using CortexHybrid.Memory.Stores;
using CortexHybrid.Tests.Support;
using static CortexHybrid.Tests.Memory.Stores.StoreTestData;

namespace CortexHybrid.Tests.Memory.Stores;

public sealed class SqliteMemoryStoreDurabilityTests
{
    /// <summary>
    /// A child adds memories one at a time and prints each id once its add has completed; the test
    /// kills it (SIGKILL) mid-stream, reopens the store, and finds every acknowledged memory with
    /// its exact text and vector. Each round kills at another point, on the same store.
    /// </summary>
    [Fact]
    public async Task Every_acknowledged_add_survives_kill_9_right_after_the_acknowledgement()
    {
        using var directory = new TemporaryDirectory();
        var acknowledged = new Dictionary<long, (int Round, int Index)>();
        int[] killAfter = [5, 60, 200];
        for (int round = 0; round < killAfter.Length; round++)
        {
            using StoreChild child = StoreChild.Start("store-add", directory.Path, round.ToString(CultureInfo.InvariantCulture), "1000000");
            int seen = 0;
            while (seen < killAfter[round])
            {
                string line = await child.ReadLineAsync() ?? throw new InvalidOperationException($"The child ended early: {child.Error()}");
                Acknowledge(line, round);
                seen++;
            }

            child.Kill();
            // Lines already written before the kill were acknowledged too.
            while (await child.ReadLineAsync() is string line)
            {
                Acknowledge(line, round);
            }

            await using (SqliteMemoryStore store = await OpenAsync(directory.Path))
            {
                IReadOnlyList<MemoryRecord> records = await store.GetAsync(acknowledged.Keys);
                Dictionary<long, float[]> vectors = await VectorsAsync(store);
                Assert.Equal(acknowledged.Count, records.Count);
                foreach (MemoryRecord record in records)
                {
                    (int r, int i) = acknowledged[record.Id];
                    Assert.Equal(StoreChildProgram.DurabilityText(r, i), record.Text);
                    Assert.Equal(["durability", "round-" + r.ToString(CultureInfo.InvariantCulture)], record.Tags);
                    AssertSameBits(Vector(StoreChildProgram.DurabilitySeed(r, i)), vectors[record.Id]);
                    Assert.Equal(record.Id, await store.FindByTextAsync(record.Text));
                }
            }
        }

        void Acknowledge(string line, int round)
        {
            string[] parts = line.Split(' ');
            Assert.True(parts.Length == 2, $"unexpected line from the child: {line}");
            acknowledged.Add(long.Parse(parts[1], CultureInfo.InvariantCulture), (round, int.Parse(parts[0], CultureInfo.InvariantCulture)));
        }
    }
}
