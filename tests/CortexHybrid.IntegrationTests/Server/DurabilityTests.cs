using System.Collections.Concurrent;
using System.Text.Json;

namespace CortexHybrid.IntegrationTests.Server;

/// <summary>An acknowledged remember survives kill -9 of the real server.</summary>
public class DurabilityTests
{
    private static readonly string[] Subjects = ["the gardener", "our landlord", "the dentist", "my manager", "the plumber", "grandma", "the vet", "the accountant"];
    private static readonly string[] Deeds = ["will call back about", "asked us to bring", "recommended", "is worried about", "forgot to send", "wants to discuss"];
    private static readonly string[] Objects = ["the hedge by the garage", "a spare set of keys", "a new toothbrush", "the quarterly budget", "the leaking tap", "her apple pie recipe", "the cat's vaccinations", "the tax return"];

    [Fact]
    public async Task Every_acknowledged_remember_is_there_after_kill_9_and_a_restart()
    {
        using var directory = new TemporaryDirectory();
        string store = Path.Combine(directory.Path, "store");
        var acknowledged = new ConcurrentQueue<(long Id, string Text)>();
        const int KillAfter = 25;

        await using (CortexProcess server = await CortexProcess.StartServeAsync(store))
        {
            await using MemoryToolClient memory = await MemoryToolClient.ConnectHttpAsync(server.Endpoint!);
            using var enough = new SemaphoreSlim(0);
            Task writer = Task.Run(async () =>
            {
                for (int i = 0; i < 1000; i++)
                {
                    string text = Note(i);
                    JsonElement result;
                    try
                    {
                        result = await memory.CallAsync("remember", new Dictionary<string, object?> { ["text"] = text, ["metadata"] = new Dictionary<string, string> { ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
                    }
                    catch (Exception exception) when (exception is not Xunit.Sdk.XunitException)
                    {
                        return; // the server is gone: this one was never acknowledged
                    }

                    acknowledged.Enqueue((result.GetProperty("id").GetInt64(), text));
                    if (acknowledged.Count == KillAfter)
                    {
                        enough.Release();
                    }
                }
            });

            Assert.True(await enough.WaitAsync(TimeSpan.FromSeconds(90)), $"only {acknowledged.Count} remembers acknowledged; stderr:\n{server.Error}");

            // While the writer goes on: no shutdown, no flush.
            await server.KillAsync();
            await writer.WaitAsync(TimeSpan.FromSeconds(60));
        }

        (long Id, string Text)[] acked = [.. acknowledged];
        Assert.True(acked.Length >= KillAfter);
        Assert.Equal(acked.Length, acked.Select(a => a.Id).Distinct().Count());

        await using (CortexProcess server = await CortexProcess.StartServeAsync(store))
        {
            await using MemoryToolClient memory = await MemoryToolClient.ConnectHttpAsync(server.Endpoint!);
            JsonElement listed = await memory.CallAsync("list_memories", new Dictionary<string, object?> { ["limit"] = 100 });
            Dictionary<long, string> stored = listed.GetProperty("memories").EnumerateArray()
                .ToDictionary(m => m.GetProperty("id").GetInt64(), m => m.GetProperty("text").GetString()!);
            Assert.True(listed.GetProperty("total").GetInt64() >= acked.Length, $"{listed.GetProperty("total")} memories after the restart, {acked.Length} acknowledged");
            foreach ((long id, string text) in acked)
            {
                Assert.True(stored.TryGetValue(id, out string? found), $"acknowledged memory {id} ('{text}') is gone after kill -9");
                Assert.Equal(text, found);
                JsonElement[] hits = MemoryScenario.Hits(await memory.CallAsync("recall", new Dictionary<string, object?> { ["query"] = text, ["k"] = 1 }));
                Assert.True(hits.Length == 1 && hits[0].GetProperty("id").GetInt64() == id, $"recall of '{text}' did not find memory {id}");
            }

            JsonElement again = await memory.CallAsync("remember", new Dictionary<string, object?> { ["text"] = acked[0].Text });
            Assert.Equal(acked[0].Id, again.GetProperty("id").GetInt64());
            Assert.False(again.GetProperty("added").GetBoolean());
        }
    }

    private static string Note(int i) =>
        $"Note {i}: {Subjects[i % Subjects.Length]} {Deeds[i / Subjects.Length % Deeds.Length]} {Objects[(i * 5 + 3) % Objects.Length]}.";
}
