using System.Runtime.Versioning;
using CortexHybrid.Memory.Stores;

namespace CortexHybrid.Tests.Memory.Stores;

/// <summary>Models, drafts and deterministic vectors for the store tests.</summary>
public static class StoreTestData
{
    public static readonly EmbeddingModel Model = new("test/model-a", 8);

    public static readonly DateTimeOffset Epoch = new(2025, 3, 14, 15, 9, 26, TimeSpan.Zero);

    private static readonly Dictionary<string, string> s_noMetadata = [];

    /// <summary>
    /// A vector that depends only on <paramref name="seed"/>, holding values a lossy encoding would
    /// change: ±0, a subnormal, ±∞, NaNs with payloads, the extremes.
    /// </summary>
    public static float[] Vector(int seed, int dimensions = 8)
    {
        var random = new Random(seed);
        float[] vector = new float[dimensions];
        for (int i = 0; i < vector.Length; i++)
        {
            vector[i] = (float)((random.NextDouble() * 2) - 1);
        }

        float[] special = [-0f, float.Epsilon, float.PositiveInfinity, float.NegativeInfinity, BitConverter.Int32BitsToSingle(0x7FC0_1234), BitConverter.Int32BitsToSingle(unchecked((int)0xFF80_0001)), float.MaxValue, float.MinValue];
        vector[seed % dimensions] = special[seed % special.Length];
        return vector;
    }

    public static MemoryDraft Draft(string text, float[]? vector = null, string[]? tags = null, Dictionary<string, string>? metadata = null, DateTimeOffset? storedAt = null) =>
        new(text, tags ?? [], metadata ?? s_noMetadata, vector ?? Vector(StableSeed(text)), storedAt ?? Epoch);

    /// <summary>A seed from a text, the same in every process (string.GetHashCode is not).</summary>
    public static int StableSeed(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 16777619;
        }

        return (int)(hash & 0x7FFF_FFFF);
    }

    public static async Task<SqliteMemoryStore> OpenAsync(string directory, EmbeddingModel? model = null, SqliteMemoryStoreOptions? options = null, TimeProvider? time = null)
    {
        var store = new SqliteMemoryStore(directory, options, time);
        try
        {
            await store.OpenAsync(model ?? Model);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public static void AssertSameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"value {i}: expected bits {BitConverter.SingleToInt32Bits(expected[i]):X8}, got {BitConverter.SingleToInt32Bits(actual[i]):X8}");
        }
    }

    public static async Task<Dictionary<long, float[]>> VectorsAsync(IMemoryStore store)
    {
        var vectors = new Dictionary<long, float[]>();
        await foreach (StoredVector vector in store.ReadVectorsAsync())
        {
            vectors.Add(vector.Id, vector.Vector);
        }

        return vectors;
    }

    /// <summary>Whether this process ignores file permissions (root, or a file system without them): then a 0500 directory can be written.</summary>
    [UnsupportedOSPlatform("windows")]
    public static bool PermissionsIgnored(string scratch)
    {
        string probe = Path.Combine(scratch, "permission-probe");
        Directory.CreateDirectory(probe);
        File.SetUnixFileMode(probe, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            File.WriteAllText(Path.Combine(probe, "x"), "x");
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        finally
        {
            File.SetUnixFileMode(probe, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
