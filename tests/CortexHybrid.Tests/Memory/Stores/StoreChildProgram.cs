using System.Globalization;
using CortexHybrid.Memory.Stores;

namespace CortexHybrid.Tests.Memory.Stores;

/// <summary>
/// The store modes of the test program (<see cref="Program"/>), run as children by the lock and
/// durability tests:
/// <c>store-hold DIR MODEL DIMENSIONS</c> opens a store, prints <c>open PID</c>, waits for a line
/// on stdin, closes it and prints <c>closed</c> (or prints <c>unavailable MESSAGE</c> and exits 3);
/// <c>store-add DIR ROUND COUNT</c> opens a store and adds <see cref="DurabilityText"/> memories
/// one at a time, printing <c>INDEX ID</c> after each add completes.
/// </summary>
public static class StoreChildProgram
{
    public static string DurabilityText(int round, int index) => $"round {round} memory {index}: ünïcode ✓";

    public static int DurabilitySeed(int round, int index) => (round * 1_000_003) + index;

    public static int Run(string[] args)
    {
        try
        {
            return args switch
            {
                ["store-hold", string directory, string model, string dimensions] => HoldAsync(directory, new EmbeddingModel(model, int.Parse(dimensions, CultureInfo.InvariantCulture))).GetAwaiter().GetResult(),
                ["store-add", string directory, string round, string count] => AddAsync(directory, int.Parse(round, CultureInfo.InvariantCulture), int.Parse(count, CultureInfo.InvariantCulture)).GetAwaiter().GetResult(),
                _ => Usage(),
            };
        }
        catch (MemoryStoreUnavailableException e)
        {
            Console.Out.WriteLine("unavailable " + e.Message);
            Console.Out.Flush();
            return 3;
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: CortexHybrid.Tests store-hold DIR MODEL DIMENSIONS | store-add DIR ROUND COUNT");
        return 2;
    }

    private static async Task<int> HoldAsync(string directory, EmbeddingModel model)
    {
        await using (var store = new SqliteMemoryStore(directory))
        {
            await store.OpenAsync(model);
            Console.Out.WriteLine("open " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            Console.Out.Flush();
            _ = Console.In.ReadLine();
        }

        Console.Out.WriteLine("closed");
        Console.Out.Flush();
        return 0;
    }

    private static async Task<int> AddAsync(string directory, int round, int count)
    {
        await using var store = new SqliteMemoryStore(directory);
        await store.OpenAsync(StoreTestData.Model);
        for (int i = 0; i < count; i++)
        {
            MemoryDraft draft = StoreTestData.Draft(DurabilityText(round, i), StoreTestData.Vector(DurabilitySeed(round, i)), ["durability", "round-" + round.ToString(CultureInfo.InvariantCulture)]);
            IReadOnlyList<StoreResult> results = await store.AddAsync([draft]);
            Console.Out.WriteLine(i.ToString(CultureInfo.InvariantCulture) + " " + results[0].Id.ToString(CultureInfo.InvariantCulture));
            Console.Out.Flush();
        }

        return 0;
    }
}
