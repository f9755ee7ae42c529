using System.Text.Json;
using CortexHybrid.Caching;
using CortexHybrid.Memory;
using CortexHybrid.Memory.Hosting;
using CortexHybrid.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using StackExchange.Redis;

namespace CortexHybrid.Cli.Server;

/// <summary>
/// The semantic-memory MCP server, composed from the libraries: the memory (SQLite store, MiniLM
/// embeddings, cache, monitor) and its tools, over stdio (<c>cortex mcp</c>) or Streamable HTTP
/// (<c>cortex serve</c>). Logs go to standard error: on stdio, standard output carries only the protocol.
/// </summary>
internal static class MemoryServer
{
    /// <summary>The name and version the server reports at initialization.</summary>
    public static Implementation Info { get; } = new()
    {
        Name = "cortex-hybrid",
        Title = "CortexHybrid semantic memory",
        Version = typeof(MemoryServer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
    };

    /// <summary>What the server tells clients about itself at initialization.</summary>
    public const string Instructions =
        "A long-term semantic memory. Use remember to store facts, decisions and notes worth keeping (with optional tags), "
        + "recall to find the memories closest in meaning to a question (exact search, best first, with scores), "
        + "forget to delete one by id, list_memories for the most recent, and memory_status for counts and performance.";

    /// <summary>
    /// The name of the query-embedding cache shared through Redis (its keys start
    /// <c>cortex:cache:{name}:</c>): the model is part of it, so instances of another model never
    /// read these vectors. No backplane: an embedding never changes.
    /// </summary>
    public const string EmbeddingCacheName = "memory-embeddings-all-MiniLM-L6-v2";

    /// <summary>The memory and what it runs on, for either transport.</summary>
    public static void AddMemory(IServiceCollection services, MemoryServerSettings settings)
    {
        services.AddPerformanceMonitor(o =>
        {
            o.Name = "memory";
            o.LatencyTarget = TimeSpan.FromMilliseconds(50);

            // A client's mistakes (and requests the access guard refuses) are counted, not held against
            // the server's health: otherwise anyone reaching the port could get it taken out of rotation.
            o.HealthIgnoredErrorCategories = SemanticMemory.ClientErrorCategories;
        });
        services.AddMiniLmEmbeddings(o => o.ModelDirectory = settings.ModelDirectory);
        SemanticMemoryBuilder memory = services.AddSemanticMemory(o =>
        {
            o.IndexStorage = settings.IndexStorage;
            o.IndexSignPrefilter = settings.IndexSignPrefilter;
            if (!settings.WarmRecallCache)
            {
                o.WarmQueries = 0;
            }
        });
        if (settings.PostgresConnection is string postgres)
        {
            memory.UsePostgresStore(postgres);
        }
        else
        {
            memory.UseSqliteStore(settings.StoreDirectory);
        }

        if (settings.Redis is IConnectionMultiplexer redis)
        {
            // Only query embeddings go to Redis (shared level 3, written through): an embedding is a
            // pure function of the text and the model. Recall responses are keyed by this instance's
            // generation, which means different data on another instance, so they stay in the memory's
            // own levels 1 and 2, made stale by the replica's generation as changes arrive.
            services.AddKeyedSingleton(EmbeddingCacheName, (provider, _) =>
            {
                var cache = new TieredCache(
                    new TieredCacheOptions
                    {
                        Name = EmbeddingCacheName,
                        Level3Mode = Level3Mode.Shared,
                        L1Capacity = 10_000,
                        L1MaxBytes = 32L * 1024 * 1024,
                        L2Capacity = 0,
                        DefaultTtl = TimeSpan.FromHours(24),
                    },
                    new RedisSharedLevel3(redis, EmbeddingCacheName),
                    backplane: null,
                    provider.GetService<TimeProvider>(),
                    provider.GetService<ILoggerFactory>()?.CreateLogger("CortexHybrid.Caching.TieredCache"));
                provider.GetService<PerformanceMonitor>()?.Attach(cache, cache.Name);
                return cache;
            });
            memory.UseEmbeddingCache(provider => provider.GetRequiredKeyedService<TieredCache>(EmbeddingCacheName));
        }

        if (settings.ShowProgress)
        {
            services.AddSingleton<IProgress<MemoryLoadProgress>>(new LoadProgressBar());
        }
    }

    /// <summary>Logging to standard error only, at <paramref name="minimum"/> and above.</summary>
    public static void LogToStandardError(ILoggingBuilder logging, LogLevel minimum)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(minimum);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        // The SDK logs every tool call that ends in an error result as an error with its stack, a
        // client's bad argument included; the memory logs its own internal failures (event 5002).
        logging.AddFilter("ModelContextProtocol.Server.McpServer", LogLevel.Critical);

        // A start that fails (a locked store) or is stopped by a signal is reported in one line by the command.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        logging.AddFilter("Microsoft.Hosting.Lifetime", minimum <= LogLevel.Information ? LogLevel.Information : minimum);
        logging.AddSimpleConsole(o => o.SingleLine = true).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    /// <summary>The stdio server: a generic host whose transport is standard input and output.</summary>
    public static IHost BuildStdio(MemoryServerSettings settings)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ApplicationName = "cortex",
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = true,
        });
        LogToStandardError(builder.Logging, settings.LogLevel);
        AddMemory(builder.Services, settings);

        // The SDK's stdio transport drops a line it cannot parse without an answer; the guard answers it.
        PerformanceMonitor? monitor = null;
        var guard = new JsonRpcLineGuard(Console.OpenStandardInput(), Console.OpenStandardOutput(), category =>
        {
            if (monitor is not null)
            {
                RecordRefused(monitor, category);
            }
        });
        builder.Services.AddSingleton(guard);
        builder.Services
            .AddMcpServer(o =>
            {
                o.ServerInfo = Info;
                o.ServerInstructions = Instructions;
            })
            .WithStreamServerTransport(guard.Input, guard.Output)
            .WithMemoryTools();
        IHost host = builder.Build();
        monitor = host.Services.GetRequiredService<PerformanceMonitor>();
        return host;
    }

    /// <summary>The HTTP server: Kestrel on the given URLs, MCP at <c>/mcp</c>, health at <c>/health</c>, behind the access guard.</summary>
    public static WebApplication BuildHttp(MemoryServerSettings settings, HttpServerSettings http)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = "cortex",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = http.MaxRequestBytes;
            kestrel.AddServerHeader = false;
        });
        builder.WebHost.UseUrls([.. http.Urls]);
        builder.Services.AddRoutingCore();
        LogToStandardError(builder.Logging, settings.LogLevel);
        AddMemory(builder.Services, settings);
        builder.Services
            .AddMcpServer(o =>
            {
                o.ServerInfo = Info;
                o.ServerInstructions = Instructions;
            })
            .WithHttpTransport(o => o.Stateless = true)
            .WithMemoryTools();
        builder.Services.AddHealthChecks().AddPerformanceMonitorCheck(name: "memory");

        WebApplication app = builder.Build();
        PerformanceMonitor monitor = app.Services.GetRequiredService<PerformanceMonitor>();
        app.UseMiddleware<AccessGuard>(new AccessGuardOptions
        {
            Token = http.Token,
            AllowedOrigins = http.AllowedOrigins,
            LoopbackOnly = http.LoopbackOnly,
            MaxRequestBytes = http.MaxRequestBytes,
            Refused = category => RecordRefused(monitor, category),
        });
        app.UseRouting();
        app.MapMcp("/mcp");
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealthAsync });
        return app;
    }

    /// <summary>
    /// A request refused before reaching the memory, recorded as a failed request of its own
    /// operation (<c>refused</c>), so the error rate stays a share of requests.
    /// </summary>
    public static void RecordRefused(PerformanceMonitor monitor, string category)
    {
        using RequestTimer timer = monitor.StartRequest("refused");
        timer.Fail(category);
    }

    /// <summary>
    /// The health report as JSON: the overall status and each check's status, description and data;
    /// only the status for a request without the access token of a server that has one.
    /// </summary>
    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        if (!AccessGuard.IsAuthorized(context))
        {
            return context.Response.WriteAsync(JsonSerializer.Serialize(new { status = report.Status.ToString() }, CliOptions.Json));
        }

        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, CliOptions.Json));
    }
}
