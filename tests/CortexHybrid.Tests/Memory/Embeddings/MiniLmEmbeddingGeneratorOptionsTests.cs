using CortexHybrid.Memory.Embeddings;

namespace CortexHybrid.Tests.Memory.Embeddings;

public sealed class MiniLmEmbeddingGeneratorOptionsTests
{
    public static TheoryData<string, Action<MiniLmEmbeddingGeneratorOptions>, string> OutOfRange => new()
    {
        { "Encoders", o => o.Encoders = 0, "Encoders must be from 1 to 256." },
        { "Encoders", o => o.Encoders = 257, "Encoders must be from 1 to 256." },
        { "BatchSize", o => o.BatchSize = 0, "BatchSize must be from 1 to 1024." },
        { "BatchSize", o => o.BatchSize = 1025, "BatchSize must be from 1 to 1024." },
        { "MaxTokens", o => o.MaxTokens = 7, "MaxTokens must be from 8 to 512." },
        { "MaxTokens", o => o.MaxTokens = 513, "MaxTokens must be from 8 to 512." },
        { "MaxBatchTokens", o => o.MaxBatchTokens = 255, "MaxBatchTokens must be from MaxTokens (256) to 1048576." },
        { "MaxBatchTokens", o => { o.MaxTokens = 64; o.MaxBatchTokens = 63; }, "MaxBatchTokens must be from MaxTokens (64) to 1048576." },
        { "MaxBatchTokens", o => o.MaxBatchTokens = (1 << 20) + 1, "MaxBatchTokens must be from MaxTokens (256) to 1048576." },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public async Task A_setting_out_of_range_is_named_with_its_range_before_anything_loads(string setting, Action<MiniLmEmbeddingGeneratorOptions> configure, string rule)
    {
        var options = new MiniLmEmbeddingGeneratorOptions();
        configure(options);

        ArgumentOutOfRangeException exception = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(setting, () => MiniLmEmbeddingGenerator.CreateAsync(options));
        Assert.StartsWith(rule, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_blank_model_directory_is_rejected()
    {
        await Assert.ThrowsAsync<ArgumentException>("ModelDirectory", () => MiniLmEmbeddingGenerator.CreateAsync(new MiniLmEmbeddingGeneratorOptions { ModelDirectory = "  " }));
    }

    [Fact]
    public void Defaults_are_those_of_the_design()
    {
        var options = new MiniLmEmbeddingGeneratorOptions();
        Assert.Null(options.ModelDirectory);
        Assert.Equal(Environment.ProcessorCount, options.Encoders);
        Assert.Equal(32, options.BatchSize);
        Assert.Equal(256, options.MaxTokens);
        Assert.Equal(1024, options.MaxBatchTokens);
    }
}
