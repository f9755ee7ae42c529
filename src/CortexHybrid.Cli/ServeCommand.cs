using System.CommandLine;
using CortexHybrid.Cli.Server;
using CortexHybrid.Search;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace CortexHybrid.Cli;

/// <summary><c>cortex serve</c>: the memory as an MCP server over Streamable HTTP at <c>/mcp</c>, with <c>/health</c>.</summary>
internal static class ServeCommand
{
    /// <summary>Where the server listens unless told otherwise: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:7411";

    /// <summary>The environment variable holding the access token.</summary>
    public const string TokenVariable = "CORTEX_TOKEN";

    /// <summary>The environment variable holding the PostgreSQL connection string (kept out of the process list).</summary>
    public const string PostgresVariable = "CORTEX_POSTGRES";

    /// <summary>The shortest access token accepted.</summary>
    public const int MinimumTokenLength = 16;

    public static Command Create()
    {
        var urls = new Option<string>("--urls")
        {
            Description = $"Where to listen, ';'-separated, default {DefaultUrl}. An address other than loopback needs an access token.",
            DefaultValueFactory = _ => DefaultUrl,
        };
        var token = new Option<string?>("--token")
        {
            Description = $"The access token clients send as 'Authorization: Bearer <token>' (at least {MinimumTokenLength} characters); prefer ${TokenVariable}, which other users cannot see in the process list.",
        };
        var allowOrigin = new Option<string[]>("--allow-origin")
        {
            Description = "A browser origin (scheme://host:port) allowed to call the server besides its own; may be repeated.",
            AllowMultipleArgumentsPerToken = false,
        };
        Option<int> maxRequest = CliOptions.WholeNumberOption("--max-request-bytes", "The largest request body accepted; larger ones get 413.", 1024, 64 * 1024 * 1024, 256 * 1024);
        Option<string?> store = StoreOptions.Store();
        var postgres = new Option<string?>("--postgres")
        {
            Description = $"Keep the memory in PostgreSQL (an Npgsql connection string, Host=...;Port=...;Database=...;Username=...;Password=...) shared by every instance given the same one, instead of SQLite; not with --store. Prefer ${PostgresVariable} (used when neither --postgres nor --store is given), which other users cannot see in the process list. The password never appears in logs, errors, memory_status or /health.",
        };
        var redis = new Option<string?>("--redis")
        {
            Description = "Share query embeddings with the other instances through Redis (host:port, StackExchange.Redis options allowed). Only embeddings, a pure function of the text and the model, go there; recall responses stay in this instance's own levels 1 and 2, because they are keyed by this instance's change generation, which means different data on another instance. A Redis outage fails no call (the model embeds again).",
        };
        Option<VectorStorage> indexStorage = StoreOptions.IndexStorage();
        Option<int> indexPrefilter = StoreOptions.IndexPrefilter();
        var logLevel = StoreOptions.LogLevelOption();
        Option<bool> verbose = CommandErrors.VerboseOption();
        var command = new Command("serve", "Serve the semantic memory over MCP Streamable HTTP at /mcp, with /health.")
        {
            urls, token, allowOrigin, maxRequest, store, postgres, redis, indexStorage, indexPrefilter, logLevel, verbose,
        };
        command.SetAction((result, _) => CommandErrors.RunAsync(result.GetValue(verbose), async () =>
        {
            string[] listen = [.. result.GetValue(urls)!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            if (listen.Length == 0)
            {
                throw new UsageException("--urls names no address.");
            }

            bool loopback = true;
            foreach (string url in listen)
            {
                if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out Uri? uri)
                    || uri.Scheme is not ("http" or "https"))
                {
                    throw new UsageException($"--urls takes http:// or https:// URLs; '{url}' is not one.");
                }

                loopback &= AccessGuard.IsLoopbackName(uri.Host);
            }

            string? accessToken = result.GetValue(token) ?? Environment.GetEnvironmentVariable(TokenVariable);
            if (string.IsNullOrEmpty(accessToken))
            {
                accessToken = null;
            }

            if (accessToken is null && !loopback)
            {
                throw new UsageException($"--urls {string.Join(';', listen)} is reachable from other machines: set an access token ({TokenVariable} or --token) or listen on 127.0.0.1.");
            }

            if (accessToken is { Length: < MinimumTokenLength })
            {
                throw new UsageException($"The access token is {accessToken.Length} characters; it must be at least {MinimumTokenLength}.");
            }

            string? storeDirectory = result.GetValue(store);
            string? connection = result.GetValue(postgres);
            if (connection is not null && storeDirectory is not null)
            {
                throw new UsageException("--postgres and --store name two stores: give one.");
            }

            if (connection is null && storeDirectory is null && Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } fromEnvironment)
            {
                connection = fromEnvironment;
            }

            if (connection is not null && string.IsNullOrWhiteSpace(connection))
            {
                throw new UsageException("--postgres takes a connection string; it is empty.");
            }

            await using ConnectionMultiplexer? redisConnection = result.GetValue(redis) is string endpoint ? await RedisLevel3.ConnectSharedAsync(endpoint) : null;
            var settings = new MemoryServerSettings
            {
                StoreDirectory = StoreOptions.Directory(storeDirectory),
                PostgresConnection = connection,
                Redis = redisConnection,
                IndexStorage = result.GetValue(indexStorage),
                IndexSignPrefilter = result.GetValue(indexPrefilter),
                LogLevel = result.GetValue(logLevel),
            };
            var http = new HttpServerSettings
            {
                Urls = listen,
                Token = accessToken,
                AllowedOrigins = [.. (result.GetValue(allowOrigin) ?? []).Select(o => o.TrimEnd('/'))],
                LoopbackOnly = loopback,
                MaxRequestBytes = result.GetValue(maxRequest),
            };
            await using WebApplication app = MemoryServer.BuildHttp(settings, http);
            try
            {
                await app.StartAsync();
            }
            catch (OperationCanceledException) when (app.Lifetime.ApplicationStopping.IsCancellationRequested)
            {
                // A signal while starting (the store opening, the index loading): stopped, as asked.
                return ExitCodes.Success;
            }

            Console.Error.WriteLine($"cortex serve: MCP at {string.Join(", ", app.Urls.Select(u => u.TrimEnd('/') + "/mcp"))}, health at /health{(accessToken is null ? "" : "; requests need the access token")}.");
            await app.WaitForShutdownAsync();
            return ExitCodes.Success;
        }));
        return command;
    }
}
