using System.Collections.Concurrent;
using System.Text.Json;

namespace CortexHybrid.IntegrationTests.Server;

/// <summary><c>cortex mcp</c> with the real model starts warm: the recalls asked most before a clean stop are answered from the cache after the restart.</summary>
public class WarmingTests
{
    [Fact]
    public async Task A_recall_asked_before_a_restart_is_answered_from_the_cache_after_it()
    {
        using var directory = new TemporaryDirectory();
        string store = Path.Combine(directory.Path, "store");
        const string Query = "when is the heating maintenance?";
        await using (MemoryToolClient first = await MemoryToolClient.StartStdioAsync(store))
        {
            await first.CallAsync("remember", new Dictionary<string, object?> { ["text"] = "The boiler service is booked for the second Tuesday of November." });
            await first.CallAsync("remember", new Dictionary<string, object?> { ["text"] = "The office wifi password rotates on the first day of each quarter." });
            for (int i = 0; i < 3; i++)
            {
                await first.CallAsync("recall", new Dictionary<string, object?> { ["query"] = Query, ["k"] = 1 });
            }
        }

        var errors = new ConcurrentQueue<string>();
        var warmed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using MemoryToolClient second = await MemoryToolClient.StartStdioAsync(store, line =>
        {
            errors.Enqueue(line);
            if (line.Contains("Recall cache warmed", StringComparison.Ordinal))
            {
                warmed.TrySetResult(line);
            }
        });
        string log = await warmed.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("1 computed, 0 cached already, 0 failed", log, StringComparison.Ordinal);

        JsonElement[] hits = MemoryScenario.Hits(await second.CallAsync("recall", new Dictionary<string, object?> { ["query"] = Query, ["k"] = 1 }));
        Assert.Contains("boiler", Assert.Single(hits).GetProperty("text").GetString(), StringComparison.Ordinal);
        JsonElement cache = (await second.StatusAsync()).GetProperty("cache");
        Assert.True(
            (cache.GetProperty("recallsCached").GetInt64(), cache.GetProperty("recallsComputed").GetInt64()) == (1, 0),
            $"after warming, the recall was not served from the cache: {cache}; stderr:\n{string.Join('\n', errors)}");
    }
}
