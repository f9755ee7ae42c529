using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace CortexHybrid.Memory.Mcp;

/// <summary>
/// The semantic memory as MCP tools: <c>remember</c>, <c>recall</c>, <c>forget</c>,
/// <c>forget_tagged</c>, <c>list_memories</c> and <c>memory_status</c>. Register them with
/// <c>services.AddMcpServer().WithMemoryTools()</c> beside <c>AddSemanticMemory()</c>.
/// </summary>
/// <remarks>
/// Each tool validates through <see cref="SemanticMemory"/> and turns a rejected input into an MCP
/// error result whose text is one line saying what is wrong (<see cref="McpException"/>); a memory
/// that is not found is one too. Results are JSON objects (structured content, and the same JSON
/// as text for clients that read only text).
/// </remarks>
[McpServerToolType]
public sealed class MemoryTools(SemanticMemory memory)
{
    /// <summary>The <c>remember</c> tool.</summary>
    /// <param name="text">The text.</param>
    /// <param name="tags">Optional tags.</param>
    /// <param name="metadata">Optional string metadata.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The memory's id, and whether it was added now.</returns>
    /// <exception cref="McpException">The input breaks a limit.</exception>
    [McpServerTool(Name = "remember", Title = "Remember", Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Store a piece of text in long-term memory so it can be recalled later by meaning. "
        + "Use it for facts, decisions, preferences and notes worth keeping. Identical text is stored once: "
        + "remembering it again returns the id it already has.")]
    public async Task<RememberReply> RememberAsync(
        [Description("The text to remember, up to 32 KiB of UTF-8.")] string text,
        [Description("Optional tags to file it under (up to 16, each up to 64 characters); recall can filter by them.")] string[]? tags = null,
        [Description("Optional string key/value metadata kept with it (up to 32 entries).")] Dictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        RememberResult result = await Invoke(() => memory.RememberAsync(text, tags, metadata, cancellationToken)).ConfigureAwait(false);
        return new RememberReply(result.Id, result.Added);
    }

    /// <summary>The <c>recall</c> tool.</summary>
    /// <param name="query">What to recall.</param>
    /// <param name="k">How many memories at most.</param>
    /// <param name="tags">Only memories carrying all of these tags.</param>
    /// <param name="minScore">Only memories at least this similar.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The memories closest in meaning, best first.</returns>
    /// <exception cref="McpException">The input is out of range.</exception>
    [McpServerTool(Name = "recall", Title = "Recall", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Find the memories closest in meaning to a query, best first, with their similarity score "
        + "(cosine, -1 to 1), text, tags, metadata and when they were stored. The search is exact over every stored memory.")]
    public async Task<RecallReply> RecallAsync(
        [Description("What to recall, in natural language.")] string query,
        [Description("How many memories to return at most, 1 to 100.")] int k = 5,
        [Description("Only memories carrying every one of these tags.")] string[]? tags = null,
        [Description("Only memories with at least this similarity, from -1 to 1.")] float? minScore = null,
        CancellationToken cancellationToken = default)
    {
        IReadOnlyList<RecallHit> hits = await Invoke(() => memory.RecallAsync(query, k, tags, minScore, cancellationToken)).ConfigureAwait(false);
        return new RecallReply(hits);
    }

    /// <summary>The <c>forget</c> tool.</summary>
    /// <param name="id">The memory's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The id forgotten.</returns>
    /// <exception cref="McpException">No memory has that id.</exception>
    [McpServerTool(Name = "forget", Title = "Forget", Destructive = true, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Delete a memory by its id (as remember, recall and list_memories report it). It is gone from every later recall.")]
    public async Task<ForgetReply> ForgetAsync(
        [Description("The id of the memory to forget.")] long id,
        CancellationToken cancellationToken = default)
    {
        bool forgotten = await Invoke(() => memory.ForgetAsync(id, cancellationToken)).ConfigureAwait(false);
        return forgotten ? new ForgetReply(id, Forgotten: true) : throw new McpException($"No memory has id {id}.");
    }

    /// <summary>The <c>forget_tagged</c> tool.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The tag, how many memories were forgotten and their ids.</returns>
    /// <exception cref="McpException">The tag is out of range.</exception>
    [McpServerTool(Name = "forget_tagged", Title = "Forget tagged", Destructive = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Delete every memory carrying a tag (as remember stored it). They are gone from every later recall; "
        + "none carrying it is not an error: the count is 0.")]
    public async Task<ForgetTaggedReply> ForgetTaggedAsync(
        [Description("The tag whose memories to forget, up to 64 characters.")] string tag,
        CancellationToken cancellationToken = default)
    {
        IReadOnlyList<long> ids = await Invoke(() => memory.ForgetTaggedAsync(tag, cancellationToken)).ConfigureAwait(false);
        return new ForgetTaggedReply(tag.Trim(), ids.Count, ids);
    }

    /// <summary>The <c>list_memories</c> tool.</summary>
    /// <param name="limit">How many at most.</param>
    /// <param name="tag">Only memories with this tag.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The most recent memories, newest first.</returns>
    /// <exception cref="McpException">The input is out of range.</exception>
    [McpServerTool(Name = "list_memories", Title = "List memories", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("List the most recently stored memories, newest first, optionally only those with a tag, with the total count.")]
    public async Task<ListReply> ListMemoriesAsync(
        [Description("How many memories to list at most, 1 to 100.")] int limit = 20,
        [Description("Only memories carrying this tag.")] string? tag = null,
        CancellationToken cancellationToken = default)
    {
        IReadOnlyList<MemoryRecord> memories = await Invoke(() => memory.ListRecentAsync(limit, tag, cancellationToken)).ConfigureAwait(false);
        long total = await Invoke(() => memory.CountAsync(tag, cancellationToken)).ConfigureAwait(false);
        return new ListReply(total, memories);
    }

    /// <summary>The <c>memory_status</c> tool.</summary>
    /// <returns>The memory's status.</returns>
    [McpServerTool(Name = "memory_status", Title = "Memory status", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("How many memories are stored, the embedding model, latency percentiles per tool, cache hit rates, "
        + "the health score, and each performance target (query tools under 50 ms cached and 200 ms uncached, "
        + "status under 10 ms, over 1,000 requests/s, under 512 MB) with its measured value.")]
    public MemoryStatus MemoryStatus() => memory.GetStatus();

    /// <summary>Runs a memory call, turning a rejected input into the one-line error result the client sees.</summary>
    private static async Task<T> Invoke<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (InvalidMemoryInputException exception)
        {
            throw new McpException(exception.Message, exception);
        }
    }
}
