using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CortexHybrid.Cli;

/// <summary><c>--redis host:port</c>: a RedisCache for the cache's level 3, checked reachable before the run starts.</summary>
internal static class RedisLevel3
{
    /// <summary>The server(s) of a connection string, without its options (a password stays out of the output).</summary>
    public static string Describe(string endpoint)
    {
        try
        {
            return string.Join(", ", ConfigurationOptions.Parse(endpoint).EndPoints.Select(e => e.ToString()));
        }
        catch (ArgumentException)
        {
            return "(unparsable endpoint)";
        }
    }

    /// <summary>
    /// A connection for <c>cortex serve --redis</c>: reachable now (else a <see cref="CliFailure"/>
    /// in one line, without the password), and reconnecting by itself after an outage.
    /// </summary>
    public static async Task<ConnectionMultiplexer> ConnectSharedAsync(string endpoint)
    {
        ConfigurationOptions configuration = Parse(endpoint);
        configuration.AbortOnConnectFail = true;
        configuration.ConnectTimeout = 2000;
        configuration.SyncTimeout = 1000;
        configuration.AsyncTimeout = 1000;

        // While Redis is away, a command fails at once instead of waiting in the backlog for the
        // timeout: the cache counts the failure and the model embeds, so a recall is not held a second.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        ConnectionMultiplexer? connection = null;
        try
        {
            connection = await ConnectionMultiplexer.ConnectAsync(configuration);
            await connection.GetDatabase().PingAsync();
            return connection;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            string reason = exception is RedisConnectionException failure ? failure.FailureType.ToString() : exception.GetType().Name;
            throw new CliFailure($"cannot reach Redis at {Describe(endpoint)} ({reason}).", exception);
        }
    }

    private static ConfigurationOptions Parse(string endpoint)
    {
        try
        {
            return ConfigurationOptions.Parse(endpoint);
        }
        catch (ArgumentException exception)
        {
            throw new CliFailure($"--redis takes host:port; '{Describe(endpoint)}' cannot be parsed.", exception);
        }
    }

    public static async Task<RedisCache> ConnectAsync(string endpoint)
    {
        ConfigurationOptions configuration;
        try
        {
            configuration = ConfigurationOptions.Parse(endpoint);
        }
        catch (ArgumentException exception)
        {
            throw new CliFailure($"--redis takes host:port; '{Describe(endpoint)}' cannot be parsed ({exception.Message}).", exception);
        }

        configuration.AbortOnConnectFail = true;
        configuration.ConnectTimeout = 2000;
        configuration.SyncTimeout = 1000;
        configuration.AsyncTimeout = 1000;
        try
        {
            // One connection up front: an unreachable server fails here, in one clear line,
            // rather than as level 3 failures the cache (by design) rides through.
            using ConnectionMultiplexer probe = await ConnectionMultiplexer.ConnectAsync(configuration);
            await probe.GetDatabase().PingAsync();
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            string reason = exception is RedisConnectionException connection ? connection.FailureType.ToString() : exception.GetType().Name;
            throw new CliFailure($"cannot reach Redis at {Describe(endpoint)} ({reason}).", exception);
        }

        configuration.AbortOnConnectFail = false;
        return new RedisCache(Options.Create(new RedisCacheOptions { ConfigurationOptions = configuration, InstanceName = "cortex-load:" }));
    }
}
