using System.Security.Cryptography;
using CortexHybrid.Memory.Embeddings;
using CortexHybrid.Tests.Support;
using Microsoft.Extensions.Logging;

namespace CortexHybrid.Tests.Memory.Embeddings;

/// <summary>Extraction to the model directory, and the fallback when it cannot be used. Each test loads the model (about a second).</summary>
public sealed class MiniLmModelFileTests
{
    private const string FileName = "all-MiniLM-L6-v2-4a64cee3d4134bbd.onnx";

    [Fact]
    public void The_known_length_and_hash_are_those_of_the_packaged_model()
    {
        using Stream manifest = MiniLmModelFile.OpenManifestResource();
        Assert.Equal(MiniLmModelFile.KnownLength, manifest.Length);
        Assert.Equal(MiniLmModelFile.KnownSha256, Convert.ToHexStringLower(SHA256.HashData(manifest)));
        Assert.Equal(FileName, MiniLmModelFile.FileName(MiniLmModelFile.KnownSha256));
    }

    [Fact]
    public void The_resource_is_read_from_the_assembly_file_with_the_same_bytes()
    {
        using Stream resource = MiniLmModelFile.OpenResource();

        Assert.IsNotAssignableFrom<UnmanagedMemoryStream>(resource);
        Assert.Equal(MiniLmModelFile.KnownLength, resource.Length);
        Assert.Equal(MiniLmModelFile.KnownSha256, Convert.ToHexStringLower(SHA256.HashData(resource)));
        Assert.Equal(MiniLmModelFile.KnownLength, resource.Position);
        Assert.Equal(0, resource.Read(new byte[16]));
    }

    [Fact]
    public async Task A_fresh_directory_gets_the_verified_file_and_the_next_start_reuses_it()
    {
        using var directory = new TemporaryDirectory();
        string models = Path.Combine(directory.Path, "nested", "models");
        var logs = new RecordingLoggerFactory();

        float[] first;
        await using (MiniLmEmbeddingGenerator generator = await CreateAsync(models, logs))
        {
            Assert.Equal(MiniLmModelSource.ExtractedFile, generator.ModelSource);
            Assert.Equal(Path.Combine(models, FileName), generator.ModelPath);
            first = (await generator.GenerateAsync(["extracted"]))[0].Vector.ToArray();
        }

        string path = Path.Combine(models, FileName);
        Assert.Equal(MiniLmModelFile.KnownSha256, await HashAsync(path));
        Assert.Equal([FileName], Directory.GetFiles(models).Select(Path.GetFileName));
        Assert.Equal([4001, 4003, 4002], logs.EventIds);
        Assert.All(logs.Entries, e => Assert.Equal(LogLevel.Information, e.Level));
        Assert.Contains("ms", logs.Single(4002).Message, StringComparison.Ordinal);

        var again = new RecordingLoggerFactory();
        await using (MiniLmEmbeddingGenerator generator = await CreateAsync(models, again))
        {
            Assert.Equal(MiniLmModelSource.CachedFile, generator.ModelSource);
            float[] second = (await generator.GenerateAsync(["extracted"]))[0].Vector.ToArray();
            MiniLmFixture.AssertClose(first, second, 0, "same model, same vector");
        }

        Assert.Equal([4001, 4002], again.EventIds);
    }

    [Fact]
    public async Task A_truncated_file_is_detected_and_replaced()
    {
        using var directory = new TemporaryDirectory();
        string path = Path.Combine(directory.Path, FileName);
        await File.WriteAllBytesAsync(path, new byte[1000]);
        var logs = new RecordingLoggerFactory();

        await using (MiniLmEmbeddingGenerator generator = await CreateAsync(directory.Path, logs))
        {
            Assert.Equal(MiniLmModelSource.ExtractedFile, generator.ModelSource);
        }

        Assert.Equal(MiniLmModelFile.KnownSha256, await HashAsync(path));
        LogEntry damaged = logs.Single(4004);
        Assert.Equal(LogLevel.Warning, damaged.Level);
        Assert.Contains("1000 bytes", damaged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_of_the_right_length_that_does_not_load_is_extracted_again()
    {
        using var directory = new TemporaryDirectory();
        string path = Path.Combine(directory.Path, FileName);
        await using (FileStream zeros = File.Create(path))
        {
            zeros.SetLength(MiniLmModelFile.KnownLength);
        }

        var logs = new RecordingLoggerFactory();
        await using (MiniLmEmbeddingGenerator generator = await CreateAsync(directory.Path, logs))
        {
            Assert.Equal(MiniLmModelSource.ExtractedFile, generator.ModelSource);
        }

        Assert.Equal(MiniLmModelFile.KnownSha256, await HashAsync(path));
        Assert.NotNull(logs.Single(4006).Exception);
    }

    [Fact]
    public async Task An_unusable_directory_falls_back_to_the_embedded_resource_and_says_so()
    {
        using var directory = new TemporaryDirectory();
        // Under a file, so no directory can be made there (root can write anywhere, but not that).
        string blocker = Path.Combine(directory.Path, "a-file");
        await File.WriteAllTextAsync(blocker, "not a directory");
        string models = Path.Combine(blocker, "models");
        var logs = new RecordingLoggerFactory();

        await using MiniLmEmbeddingGenerator generator = await CreateAsync(models, logs);

        Assert.Equal(MiniLmModelSource.EmbeddedResource, generator.ModelSource);
        Assert.Null(generator.ModelPath);
        Assert.Contains(models, generator.ModelSourceDescription, StringComparison.Ordinal);
        Assert.Contains("embedded resource", generator.ModelSourceDescription, StringComparison.Ordinal);
        LogEntry warning = logs.Single(4005);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.NotNull(warning.Exception);
        Assert.Equal([4001, 4005, 4002], logs.EventIds);

        // The same model, however loaded.
        await using MiniLmEmbeddingGenerator fromFile = await MiniLmEmbeddingGenerator.CreateAsync(
            new MiniLmEmbeddingGeneratorOptions { ModelDirectory = MiniLmFixture.SharedModelDirectory, Encoders = 1 });
        float[] expected = (await fromFile.GenerateAsync(["fallback"]))[0].Vector.ToArray();
        float[] actual = (await generator.GenerateAsync(["fallback"]))[0].Vector.ToArray();
        MiniLmFixture.AssertClose(expected, actual, 1e-6f, "resource against file");
    }

    [Fact]
    public async Task Loading_can_be_cancelled_while_the_session_is_created()
    {
        // Cancelled 50 ms into a load of about a second, from a thread of its own: a timer's
        // callback waits for a pool thread, and a busy pool can run it after the load is done.
        using var cancellation = new CancellationTokenSource();
        var canceller = new Thread(() =>
        {
            Thread.Sleep(50);
            cancellation.Cancel();
        })
        { IsBackground = true, Name = "test canceller" };
        canceller.Start();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => MiniLmEmbeddingGenerator.CreateAsync(
            new MiniLmEmbeddingGeneratorOptions { ModelDirectory = MiniLmFixture.SharedModelDirectory, Encoders = 1 },
            cancellationToken: cancellation.Token));
        canceller.Join();
    }

    [Fact]
    public async Task A_disposed_generator_refuses_calls()
    {
        MiniLmEmbeddingGenerator generator = await CreateAsync(MiniLmFixture.SharedModelDirectory, new RecordingLoggerFactory());
        generator.Dispose();
        generator.Dispose();
        await generator.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => generator.GenerateAsync(["too late"]));
    }

    [Fact]
    public async Task Disposing_during_a_call_lets_the_running_inference_finish()
    {
        MiniLmEmbeddingGenerator generator = await CreateAsync(MiniLmFixture.SharedModelDirectory, new RecordingLoggerFactory());
        string[] texts = [.. Enumerable.Range(0, 64).Select(i => $"text number {i} about files, streams and directories")];

        Task<Microsoft.Extensions.AI.GeneratedEmbeddings<Microsoft.Extensions.AI.Embedding<float>>> running = generator.GenerateAsync(texts);
        await Task.Delay(20);
        await generator.DisposeAsync();

        // Either it finished, or a batch not yet started found the encoders gone: never a crash.
        try
        {
            Assert.Equal(64, (await running).Count);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static Task<MiniLmEmbeddingGenerator> CreateAsync(string directory, ILoggerFactory logs) =>
        MiniLmEmbeddingGenerator.CreateAsync(new MiniLmEmbeddingGeneratorOptions { ModelDirectory = directory, Encoders = 1 }, logs);

    private static async Task<string> HashAsync(string path)
    {
        await using FileStream file = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
    }
}
