using System.Text.RegularExpressions;

namespace CortexHybrid.Memory.Stores;

/// <summary>Settings of a <see cref="PostgresMemoryStore"/>.</summary>
public sealed partial class PostgresMemoryStoreOptions
{
    /// <summary>The longest schema name: its change channel, <c>cortex_memory.</c> and the name, must fit PostgreSQL's 63-byte identifiers.</summary>
    public const int MaxSchemaLength = 48;

    /// <summary>
    /// The PostgreSQL schema holding the memory's tables, so several memories can share a database
    /// (one schema each). Lowercase letters, digits and underscores, starting with a letter or an
    /// underscore, not <c>pg_</c>; at most <see cref="MaxSchemaLength"/> characters.
    /// <c>cortex_memory</c> by default.
    /// </summary>
    public string Schema { get; set; } = "cortex_memory";

    /// <summary>How long one statement may run before it fails (Npgsql's command timeout, whole seconds, rounded up). From 1 s to 1 h; 30 s by default.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a change feed waits for a notification before it reads the change log anyway, which
    /// also checks that its connection is alive. From 10 ms to 10 min; 5 s by default.
    /// </summary>
    public TimeSpan ChangePollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a change feed waits before its first attempt to reconnect; each failed attempt doubles it, up to <see cref="MaxReconnectDelay"/>. From 1 ms to 1 min; 100 ms by default.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between a change feed's attempts to reconnect. At least <see cref="ReconnectDelay"/>, at most 10 min; 5 s by default.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A copy, checked, so later changes to these options change nothing.</summary>
    /// <exception cref="ArgumentException"><see cref="Schema"/> is not a valid name; the message names it.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    internal PostgresMemoryStoreOptions Validated()
    {
        if (Schema is null || Schema.Length is 0 or > MaxSchemaLength || !SchemaName().IsMatch(Schema) || Schema.StartsWith("pg_", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"Schema must be 1 to {MaxSchemaLength} lowercase letters, digits or underscores, starting with a letter or an underscore, and not pg_; it is '{Schema}'.",
                nameof(Schema));
        }

        if (CommandTimeout < TimeSpan.FromSeconds(1) || CommandTimeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(CommandTimeout), CommandTimeout, "CommandTimeout must be from 1 s to 1 h.");
        }

        if (ChangePollInterval < TimeSpan.FromMilliseconds(10) || ChangePollInterval > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentOutOfRangeException(nameof(ChangePollInterval), ChangePollInterval, "ChangePollInterval must be from 10 ms to 10 min.");
        }

        if (ReconnectDelay < TimeSpan.FromMilliseconds(1) || ReconnectDelay > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(ReconnectDelay), ReconnectDelay, "ReconnectDelay must be from 1 ms to 1 min.");
        }

        if (MaxReconnectDelay < ReconnectDelay || MaxReconnectDelay > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxReconnectDelay), MaxReconnectDelay, "MaxReconnectDelay must be from ReconnectDelay to 10 min.");
        }

        return (PostgresMemoryStoreOptions)MemberwiseClone();
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
