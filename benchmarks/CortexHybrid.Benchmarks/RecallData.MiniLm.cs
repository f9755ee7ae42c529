using System.Diagnostics;
using System.Globalization;
using CortexHybrid.Memory.Corpora;
using CortexHybrid.Memory.Embeddings;
using CortexHybrid.Search;
using Microsoft.Extensions.AI;

namespace CortexHybrid.Benchmarks;

/// <summary>Real sentence embeddings: all-MiniLM-L6-v2 over the SDK's API summaries, embedded once and cached on disk.</summary>
public sealed partial record RecallData
{
    public const int MiniLmShuffleSeed = 20_261_203;

    private const int EmbedChunk = 500;

    /// <summary>
    /// <paramref name="total"/> distinct texts of <see cref="ApiDocumentationCorpus.ReadMembers"/>
    /// (<see cref="ApiMember.Text"/>: short name, dash, summary), in a seeded random order, embedded by
    /// <see cref="MiniLmEmbeddingGenerator"/> (unit vectors); the last <paramref name="queries"/> are
    /// the queries, held out of the index. The vectors are cached in <paramref name="cachePath"/>
    /// (<c>.fvecs</c>, read with <see cref="EmbeddingFile"/>) and the texts beside it (<c>.txt</c>, one a
    /// line, in the same order); a cache of at least <paramref name="total"/> rows is read instead of embedding
    /// (its first <paramref name="total"/> rows: the order is random, so a prefix is a random sample).
    /// </summary>
    public static async Task<RecallData> MiniLmAsync(int total, int queries, string cachePath, bool refresh, TextWriter log)
    {
        string textPath = Path.ChangeExtension(cachePath, ".txt");
        string[] texts;
        float[] vectors;
        string source;
        if (!refresh && File.Exists(cachePath) && File.Exists(textPath)
            && TryReadCache(cachePath, textPath, total, out texts, out vectors))
        {
            source = $"cached {cachePath}";
        }
        else
        {
            ApiDocumentationCorpus corpus = ApiDocumentationCorpus.Find();
            List<string> all = corpus.ReadMembers()
                .Select(m => m.Text.Replace('\r', ' ').Replace('\n', ' '))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            var random = new Random(MiniLmShuffleSeed);
            string[] shuffled = [.. all];
            random.Shuffle(shuffled);
            texts = shuffled[..Math.Min(total, shuffled.Length)];
            log.WriteLine($"MiniLM: {all.Count:N0} distinct API texts in {corpus}; embedding {texts.Length:N0} (about 100 a second on two cores)...");
            vectors = await EmbedAsync(texts, log);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(cachePath))!);
            WriteFvecs(cachePath, vectors, MiniLmEmbeddingGenerator.Dimensions);
            File.WriteAllLines(textPath, texts);
            source = $"embedded now, cached in {cachePath}";
        }

        int dimension = MiniLmEmbeddingGenerator.Dimensions;
        int count = texts.Length;
        int held = Math.Min(queries, count / 2);
        int indexed = count - held;
        return new RecallData(
            "minilm",
            $"all-MiniLM-L6-v2 embeddings of {count:N0} distinct .NET API summaries (shuffle seed {MiniLmShuffleSeed}), the last {held:N0} held out as queries; {source}",
            dimension,
            vectors[..(indexed * dimension)],
            vectors[(indexed * dimension)..(count * dimension)]);
    }

    private static bool TryReadCache(string cachePath, string textPath, int total, out string[] texts, out float[] vectors)
    {
        texts = File.ReadAllLines(textPath);
        EmbeddingMatrix matrix = EmbeddingFile.Read(cachePath);
        if (matrix.Dimension != MiniLmEmbeddingGenerator.Dimensions || matrix.Count != texts.Length || matrix.Count < total)
        {
            vectors = [];
            return false;
        }

        texts = texts[..total];
        vectors = matrix.Values[..(total * matrix.Dimension)];
        return true;
    }

    private static async Task<float[]> EmbedAsync(string[] texts, TextWriter log)
    {
        await using MiniLmEmbeddingGenerator generator = await MiniLmEmbeddingGenerator.CreateAsync();
        int dimension = MiniLmEmbeddingGenerator.Dimensions;
        float[] vectors = new float[texts.Length * dimension];
        var timer = Stopwatch.StartNew();
        for (int start = 0; start < texts.Length; start += EmbedChunk)
        {
            int count = Math.Min(EmbedChunk, texts.Length - start);
            GeneratedEmbeddings<Embedding<float>> embeddings = await generator.GenerateAsync(texts.AsMemory(start, count).ToArray());
            for (int i = 0; i < count; i++)
            {
                embeddings[i].Vector.Span.CopyTo(vectors.AsSpan((start + i) * dimension, dimension));
            }

            int done = start + count;
            double rate = done / timer.Elapsed.TotalSeconds;
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  embedded {done:N0}/{texts.Length:N0} ({rate:0} texts/s, {(texts.Length - done) / rate:0} s left)"));
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MiniLM: {texts.Length:N0} texts in {timer.Elapsed.TotalSeconds:0.0} s"));
        return vectors;
    }

    /// <summary>Writes <c>.fvecs</c>: per vector an int32 dimension, then its floats, little-endian (what <see cref="EmbeddingFile.ReadFvecs"/> reads).</summary>
    private static void WriteFvecs(string path, float[] vectors, int dimension)
    {
        string temporary = path + ".tmp";
        using (var stream = new BufferedStream(File.Create(temporary), 1 << 20))
        {
            Span<byte> header = stackalloc byte[sizeof(int)];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header, dimension);
            for (int row = 0; row < vectors.Length / dimension; row++)
            {
                stream.Write(header);
                ReadOnlySpan<float> values = vectors.AsSpan(row * dimension, dimension);
                if (BitConverter.IsLittleEndian)
                {
                    stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
                }
                else
                {
                    throw new PlatformNotSupportedException("Writing .fvecs needs a little-endian machine.");
                }
            }
        }

        File.Move(temporary, path, overwrite: true);
    }
}
