using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CortexHybrid.Tests.Hosting;

/// <summary>One log call as a provider saw it.</summary>
internal sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

/// <summary>A logger provider that keeps every entry, at every level (Trace included), for the tests to read.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    /// <summary>The entries CortexHybrid logged (not the host's own).</summary>
    public IReadOnlyList<LogEntry> CortexEntries => [.. _entries.Where(e => e.Category.StartsWith("CortexHybrid.", StringComparison.Ordinal))];

    public void Clear() => _entries.Clear();

    /// <summary>The entries with event id <paramref name="id"/>.</summary>
    public IReadOnlyList<LogEntry> WithId(int id) => [.. _entries.Where(e => e.EventId.Id == id)];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider._entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
