using CortexHybrid.Memory.Vectors;
using CortexHybrid.Search;

namespace CortexHybrid.IntegrationTests.Pipeline;

/// <summary>A small synthetic corpus (5,000 x 64, cosine) and its index, shared by a test class's tests.</summary>
public sealed class CorpusFixture : IDisposable
{
    public const int Rows = 5_000;

    public const int Dimension = 64;

    public CorpusFixture()
    {
        Corpus = SyntheticCorpus.Generate(Rows, Dimension, seed: 42);
        Index = SyntheticCorpus.ToIndex(Corpus);
    }

    public EmbeddingMatrix Corpus { get; }

    public VectorIndex Index { get; }

    /// <summary>Query <paramref name="i"/> of <paramref name="queries"/> as its own array.</summary>
    public static float[] Query(float[] queries, int i) => queries.AsSpan(i * Dimension, Dimension).ToArray();

    public void Dispose() => Index.Dispose();
}
