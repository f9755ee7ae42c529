using CortexHybrid.Memory.Vectors;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// One data set of <c>ann-compare</c>: rows to index (row <c>i</c> under id <c>i</c>) and queries
/// that are not rows, both row-major.
/// </summary>
/// <param name="Name">Short name for the tables: <c>gaussian</c>, <c>clustered</c>, <c>minilm</c>.</param>
/// <param name="Description">How it was made, for the table's notes.</param>
/// <param name="Dimension">Floats per vector.</param>
/// <param name="Rows">The indexed vectors, back to back.</param>
/// <param name="Queries">The query vectors, back to back.</param>
public sealed partial record RecallData(string Name, string Description, int Dimension, float[] Rows, float[] Queries)
{
    public const int GaussianSeed = 20_261_203;

    public int RowCount => Rows.Length / Dimension;

    public int QueryCount => Queries.Length / Dimension;

    public string Shape => $"{RowCount:N0} x {Dimension}";

    public ReadOnlySpan<float> Query(int q) => Queries.AsSpan(q * Dimension, Dimension);

    /// <summary>
    /// Independent standard normal elements (seeded), rows and queries alike: no structure at all,
    /// the hardest case for a quantized scan (neighbours' scores differ little).
    /// </summary>
    public static RecallData Gaussian(int rows, int dimension, int queries, int seed = GaussianSeed)
    {
        float[] values = GaussianValues(rows, dimension, seed);
        float[] queryValues = GaussianValues(queries, dimension, ~seed);
        return new RecallData("gaussian", $"N(0,1) elements, seed {seed} (queries seed ~{seed})", dimension, values, queryValues);
    }

    /// <summary>
    /// <see cref="SyntheticCorpus"/> (the corpus of <c>cortex load</c>/<c>bench</c>): unit vectors around
    /// 100 random centres, noise norm 0.5, seed 42; queries are stored rows plus 5% noise
    /// (<see cref="SyntheticCorpus.Queries"/>, seed 7), so each has a near-duplicate row.
    /// </summary>
    public static RecallData Clustered(int rows, int dimension, int queries)
    {
        var corpus = SyntheticCorpus.Generate(rows, dimension);
        float[] queryValues = SyntheticCorpus.Queries(corpus, queries, seed: 7);
        return new RecallData(
            "clustered",
            $"SyntheticCorpus: {SyntheticCorpus.DefaultClusters} centres, noise {SyntheticCorpus.NoiseScale}, seed {SyntheticCorpus.DefaultSeed}; queries = rows + {SyntheticCorpus.QueryNoiseScale} noise",
            dimension,
            corpus.Values,
            queryValues);
    }

    private static float[] GaussianValues(int count, int dimension, int seed)
    {
        const int chunkRows = 512;
        float[] values = GC.AllocateUninitializedArray<float>(checked(count * dimension));
        int chunks = (count + chunkRows - 1) / chunkRows;
        Parallel.For(0, chunks, chunk =>
        {
            // One stream per chunk, from the seed and the chunk number only: the same on every run and thread count.
            var random = new Random(unchecked((seed * 1_000_003) + chunk));
            Span<float> target = values.AsSpan(chunk * chunkRows * dimension, (Math.Min(count, (chunk + 1) * chunkRows) - (chunk * chunkRows)) * dimension);
            for (int i = 0; i < target.Length; i += 2)
            {
                // Box–Muller: two normals from two uniforms.
                double u1 = 1.0 - random.NextDouble();
                double u2 = random.NextDouble();
                double radius = Math.Sqrt(-2.0 * Math.Log(u1));
                target[i] = (float)(radius * Math.Cos(2 * Math.PI * u2));
                if (i + 1 < target.Length)
                {
                    target[i + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2));
                }
            }
        });
        return values;
    }
}
