using ModelContextProtocol;

namespace CortexHybrid.Memory.Mcp;

/// <summary>A tool call whose arguments the tool's schema does not allow: an error result the client sees, counted as a validation error.</summary>
internal sealed class ToolArgumentException(string message) : McpException(message);
