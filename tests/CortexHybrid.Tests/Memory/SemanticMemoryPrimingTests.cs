using System.Reflection;
using System.Runtime.ExceptionServices;
using CortexHybrid.Memory;
using CortexHybrid.Memory.Stores;
using CortexHybrid.Tests.Memory.Embeddings;
using CortexHybrid.Tests.Support;
using Microsoft.Extensions.Logging;

namespace CortexHybrid.Tests.Memory;

/// <summary>
/// The recall stages run once at open on throwaway input: they leave nothing behind, and when the
/// store fails them the opening goes on (a warning, event 5008) and later calls are unaffected.
/// </summary>
public sealed class SemanticMemoryPrimingTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Priming_leaves_the_memory_empty_and_warns_of_nothing()
    {
        using var logs = new RecordingLoggerFactory();
        await using var store = new SqliteMemoryStore(_directory.Path);
        await using var memory = new SemanticMemory(store, new WordHashEmbeddingGenerator(), logger: logs.CreateLogger("memory"));
        await memory.OpenAsync();

        Assert.Equal(0, await memory.CountAsync());
        Assert.Empty(await memory.RecallAsync("anything at all"));
        Assert.Empty(await memory.ListRecentAsync(10, "cortex-primer"));
        Assert.Contains(5001, logs.EventIds);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task A_store_failing_the_primer_fetch_does_not_fail_the_opening_and_is_logged_once()
    {
        using var logs = new RecordingLoggerFactory();
        await using var inner = new SqliteMemoryStore(_directory.Path);
        IMemoryStore store = FailingFetchStore.Wrap(inner);
        await using var memory = new SemanticMemory(store, new WordHashEmbeddingGenerator(), logger: logs.CreateLogger("memory"));
        await memory.OpenAsync();

        LogEntry warning = logs.Single(5008);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("IOException: the disk went away", warning.Message, StringComparison.Ordinal);

        // The memory serves: a remember, and a recall once the store fetches again.
        long id = (await memory.RememberAsync("the spare key is under the blue pot")).Id;
        FailingFetchStore.Of(store).Failing = false;
        Assert.Equal(id, Assert.Single(await memory.RecallAsync("where is the spare key", k: 1)).Id);
    }

    /// <summary>A store that forwards every call to a real one, except fetches by id while <see cref="Failing"/>.</summary>
    public class FailingFetchStore : DispatchProxy
    {
        private IMemoryStore _inner = null!;

        public bool Failing { get; set; } = true;

        public static IMemoryStore Wrap(IMemoryStore inner)
        {
            IMemoryStore proxy = Create<IMemoryStore, FailingFetchStore>();
            ((FailingFetchStore)(object)proxy)._inner = inner;
            return proxy;
        }

        public static FailingFetchStore Of(IMemoryStore proxy) => (FailingFetchStore)(object)proxy;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (Failing && targetMethod.Name == nameof(IMemoryStore.GetAsync))
            {
                return Task.FromException<IReadOnlyList<MemoryRecord>>(new IOException("the disk went away"));
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException exception) when (exception.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(exception.InnerException);
                throw;
            }
        }
    }
}
