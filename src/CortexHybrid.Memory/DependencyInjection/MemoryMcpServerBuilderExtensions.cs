using CortexHybrid.Memory;
using CortexHybrid.Memory.Mcp;
using CortexHybrid.Metrics;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the memory's tools to an MCP server.</summary>
public static class MemoryMcpServerBuilderExtensions
{
    /// <summary>
    /// Adds <c>remember</c>, <c>recall</c>, <c>forget</c>, <c>list_memories</c> and
    /// <c>memory_status</c> (<see cref="MemoryTools"/>) over the registered <see cref="SemanticMemory"/>,
    /// and a call filter that makes every failed call a one-line error result counted in the
    /// memory's monitor: a rejected input or an unknown id as the memory reports it, arguments of
    /// the wrong type or an unknown tool as <c>validation</c>, anything else as <c>internal</c>
    /// (its details logged, not sent).
    /// </summary>
    /// <param name="builder">The MCP server builder.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static IMcpServerBuilder WithMemoryTools(this IMcpServerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .WithTools<MemoryTools>()
            .WithRequestFilters(filters => filters.AddCallToolFilter(next => async (context, cancellationToken) =>
            {
                SemanticMemory memory = context.Services!.GetRequiredService<SemanticMemory>();
                try
                {
                    if (context.MatchedPrimitive is McpServerTool tool)
                    {
                        ToolArguments.Check(tool.ProtocolTool.Name, tool.ProtocolTool.InputSchema, context.Params?.Arguments);
                    }

                    return await next(context, cancellationToken).ConfigureAwait(false);
                }
                catch (McpProtocolException)
                {
                    // An unknown tool: a JSON-RPC error (invalid params), as the protocol has it.
                    RecordInvalidCall(memory);
                    throw;
                }
                catch (ToolArgumentException)
                {
                    RecordInvalidCall(memory);
                    throw;
                }
                catch (McpException)
                {
                    throw; // a rejected input or an unknown id: the memory counted it
                }
                catch (JsonException exception)
                {
                    // The schema check passed but binding did not (a value out of its type's range).
                    RecordInvalidCall(memory);
                    throw new ToolArgumentException($"The arguments of {context.Params?.Name} do not fit its schema: {FirstSentence(exception.Message)}");
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // Counted by the memory as internal; the client gets one line, the log gets the rest.
                    throw new McpException($"{context.Params?.Name} failed: an internal error ({exception.GetType().Name}); the server log has the details.");
                }
            }));
    }

    /// <summary>A call refused before it reached the memory, as a failed request of its own operation (<c>invalid_call</c>).</summary>
    private static void RecordInvalidCall(SemanticMemory memory)
    {
        using RequestTimer timer = memory.Monitor.StartRequest("invalid_call");
        timer.Fail(SemanticMemory.ValidationCategory);
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? message : message[..(end + 1)]).ReplaceLineEndings(" ");
    }
}
