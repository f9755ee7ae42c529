using System.Globalization;
using Microsoft.Extensions.AI;

namespace CortexHybrid.Tests.Memory;

/// <summary>
/// A small deterministic embedding generator for unit tests: each lowercased word hashes to one of
/// <see cref="Dimensions"/> buckets, the counts are normalized. Texts sharing words are close;
/// texts sharing none score 0. Counts its calls and texts, and can be made to fail.
/// </summary>
internal sealed class WordHashEmbeddingGenerator(string modelId = "test/word-hash-64", int dimensions = 64) : IEmbeddingGenerator<string, Embedding<float>>
{
    private int _calls;
    private int _texts;

    public int Dimensions { get; } = dimensions;

    public int Calls => Volatile.Read(ref _calls);

    public int Texts => Volatile.Read(ref _texts);

    public Exception? Failure { get; set; }

    public static float[] Embed(string text, int dimensions)
    {
        var vector = new float[dimensions];
        foreach (string word in text.ToLower(CultureInfo.InvariantCulture).Split([' ', ',', '.', '!', '?', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            uint hash = 2166136261;
            foreach (char c in word)
            {
                hash = (hash ^ c) * 16777619;
            }

            vector[hash % (uint)dimensions] += 1;
        }

        double norm = Math.Sqrt(vector.Sum(v => (double)v * v));
        if (norm > 0)
        {
            for (int i = 0; i < vector.Length; i++)
            {
                vector[i] = (float)(vector[i] / norm);
            }
        }

        return vector;
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _calls);
        if (Failure is Exception failure)
        {
            throw failure;
        }

        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (string value in values)
        {
            Interlocked.Increment(ref _texts);
            result.Add(new Embedding<float>(Embed(value, Dimensions)) { ModelId = modelId });
        }

        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("test", null, modelId, Dimensions)
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
