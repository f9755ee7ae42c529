using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CortexHybrid.IntegrationTests.Cli;

/// <summary>
/// Test data for <c>cortex search</c> and friends: seeded vectors, written as <c>.fvecs</c> or
/// <c>.npy</c> by hand (not by the library under test), and ranked by a brute force in doubles.
/// </summary>
public static class VectorFiles
{
    /// <summary><paramref name="count"/> seeded vectors of <paramref name="dimension"/> floats, uniform in [-1, 1).</summary>
    public static float[][] Random(int count, int dimension, int seed)
    {
        var random = new Random(seed);
        var rows = new float[count][];
        for (int i = 0; i < count; i++)
        {
            rows[i] = new float[dimension];
            for (int j = 0; j < dimension; j++)
            {
                rows[i][j] = (float)((random.NextDouble() * 2) - 1);
            }
        }

        return rows;
    }

    /// <summary>The TEXMEX format: per vector an int32 dimension, then its float32s, all little-endian.</summary>
    public static void WriteFvecs(string path, IEnumerable<float[]> rows)
    {
        using var writer = new BinaryWriter(File.Create(path));
        foreach (float[] row in rows)
        {
            writer.Write(row.Length);
            foreach (float value in row)
            {
                writer.Write(value);
            }
        }
    }

    /// <summary>A NumPy v1.0 file of one float32 matrix (N, D), C order, the header padded to 64 bytes.</summary>
    public static void WriteNpy(string path, IReadOnlyList<float[]> rows)
    {
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows.Count}, {rows[0].Length}), }}";
        int unpadded = 10 + header.Length + 1;
        header += new string(' ', (64 - (unpadded % 64)) % 64) + "\n";
        Assert.Equal(0, (10 + header.Length) % 64);

        using var writer = new BinaryWriter(File.Create(path));
        writer.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        writer.Write(checked((ushort)header.Length));
        writer.Write(Encoding.ASCII.GetBytes(header));
        foreach (float[] row in rows)
        {
            foreach (float value in row)
            {
                writer.Write(value);
            }
        }
    }

    /// <summary>Every row's cosine with <paramref name="query"/>, in doubles, best first (ties by id).</summary>
    public static (long Id, double Score)[] RankByCosine(IReadOnlyList<float[]> corpus, float[] query) =>
        Rank(corpus, query, (row, q) => Dot(row, q) / Math.Sqrt(Dot(row, row) * Dot(q, q)));

    /// <summary>Every row's dot product with <paramref name="query"/>, in doubles, best first (ties by id).</summary>
    public static (long Id, double Score)[] RankByDot(IReadOnlyList<float[]> corpus, float[] query, Func<int, long> idOf) =>
        [.. corpus.Select((row, i) => (Id: idOf(i), Score: Dot(row, query))).OrderByDescending(h => h.Score).ThenBy(h => h.Id)];

    /// <summary>
    /// Fails unless the first <paramref name="k"/> + 1 scores are at least <paramref name="gap"/>
    /// apart: the expected top k is then unambiguous, whatever rounding the kernels do.
    /// </summary>
    public static void AssertUnambiguous((long Id, double Score)[] ranking, int k, double gap = 1e-4)
    {
        for (int i = 0; i < Math.Min(k, ranking.Length - 1); i++)
        {
            Assert.True(
                ranking[i].Score - ranking[i + 1].Score >= gap,
                $"the test data has near ties at ranks {i} and {i + 1} ({ranking[i].Score} and {ranking[i + 1].Score}): choose another seed");
        }
    }

    private static (long Id, double Score)[] Rank(IReadOnlyList<float[]> corpus, float[] query, Func<float[], float[], double> score) =>
        [.. corpus.Select((row, i) => (Id: (long)i, Score: score(row, query))).OrderByDescending(h => h.Score).ThenBy(h => h.Id)];

    private static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }
}

/// <summary>Asks a Redis server for its <c>INFO</c> over RESP, without a client library.</summary>
public static class RedisInfo
{
    /// <summary>The <c>INFO <paramref name="section"/></c> text of the server on loopback port <paramref name="port"/>.</summary>
    public static async Task<string> ReadAsync(int port, string section)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"*2\r\n$4\r\nINFO\r\n${section.Length}\r\n{section}\r\n"), timeout.Token);

        // A bulk string: "$<length>\r\n", the bytes, "\r\n".
        var received = new List<byte>();
        byte[] buffer = new byte[8192];
        int? total = null;
        while (total is null || received.Count < total)
        {
            int read = await stream.ReadAsync(buffer, timeout.Token);
            Assert.True(read > 0, "Redis closed the connection before INFO was read");
            received.AddRange(buffer.AsSpan(0, read));
            int lineEnd = received.IndexOf((byte)'\n');
            if (total is null && lineEnd > 0)
            {
                string prefix = Encoding.ASCII.GetString([.. received.Take(lineEnd - 1)]);
                Assert.StartsWith("$", prefix);
                total = lineEnd + 1 + int.Parse(prefix[1..], System.Globalization.CultureInfo.InvariantCulture) + 2;
            }
        }

        int start = received.IndexOf((byte)'\n') + 1;
        return Encoding.ASCII.GetString([.. received.Skip(start)]);
    }

    /// <summary>How many times <paramref name="command"/> (lower case) was called, from <c>INFO commandstats</c>; 0 if never.</summary>
    public static async Task<long> CallsAsync(int port, string command)
    {
        string text = await ReadAsync(port, "commandstats");
        string prefix = $"cmdstat_{command}:calls=";
        foreach (string line in text.Split('\n', StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                string count = line[prefix.Length..].Split(',')[0];
                return long.Parse(count, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
