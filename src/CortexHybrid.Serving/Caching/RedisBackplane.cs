using System.Diagnostics;
using StackExchange.Redis;

namespace CortexHybrid.Caching;

/// <summary>
/// The invalidation backplane of <see cref="TieredCache"/>s in <see cref="Level3Mode.Shared"/>:
/// Redis pub/sub on one channel per cache name, over an <see cref="IConnectionMultiplexer"/> the
/// caller owns (it is not disposed here). A set, a removal, a tag or prefix removal or a clear on
/// one instance is published, and every other instance drops its level 1/2 copy.
/// </summary>
/// <remarks>
/// <para>
/// The channel is <c>{channelPrefix}{cache name}:invalidate</c>. A message is UTF-8 text: the
/// sender's instance id (32 hex digits, new for every cache), one letter for what happened
/// (<c>S</c> set, <c>R</c> remove, <c>T</c> tag, <c>P</c> prefix, <c>C</c> clear), then the key,
/// tag or prefix. A cache ignores its own messages.
/// </para>
/// <para>
/// Pub/sub is at most once: a message published while an instance is disconnected never reaches
/// it. So an instance that sees its connection restored drops levels 1 and 2 entirely before
/// serving from them again (see <see cref="TieredCache"/>).
/// </para>
/// </remarks>
public sealed class RedisBackplane
{
    /// <summary>The default channel prefix.</summary>
    public const string DefaultChannelPrefix = "cortex:cache:";

    private readonly IConnectionMultiplexer _redis;

    /// <summary>A backplane for the cache named <paramref name="cacheName"/>.</summary>
    /// <param name="redis">The connection; owned by the caller.</param>
    /// <param name="cacheName">The cache's <see cref="TieredCacheOptions.Name"/>: caches of one name hear each other.</param>
    /// <param name="channelPrefix">What the channel's name starts with; <see cref="DefaultChannelPrefix"/> when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="redis"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="cacheName"/> is null or empty.</exception>
    public RedisBackplane(IConnectionMultiplexer redis, string cacheName, string? channelPrefix = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentException.ThrowIfNullOrEmpty(cacheName);
        _redis = redis;
        CacheName = cacheName;
        ChannelName = (channelPrefix ?? DefaultChannelPrefix) + cacheName + ":invalidate";
        Channel = RedisChannel.Literal(ChannelName);
    }

    /// <summary>The cache name this backplane serves; a <see cref="TieredCache"/> over it must have the same <see cref="TieredCacheOptions.Name"/>.</summary>
    public string CacheName { get; }

    /// <summary>The pub/sub channel: <c>{channelPrefix}{cacheName}:invalidate</c>.</summary>
    public string ChannelName { get; }

    internal RedisChannel Channel { get; }

    /// <summary>The connection.</summary>
    internal IConnectionMultiplexer Connection => _redis;

    internal Task SubscribeAsync(Action<RedisChannel, RedisValue> handler) => _redis.GetSubscriber().SubscribeAsync(Channel, handler);

    internal void Unsubscribe(Action<RedisChannel, RedisValue> handler) =>
        _redis.GetSubscriber().Unsubscribe(Channel, handler, CommandFlags.FireAndForget);

    internal Task PublishAsync(string sender, char kind, string subject)
    {
        Debug.Assert(sender.Length == SenderLength, "a sender id is 32 hex digits");
        return _redis.GetSubscriber().PublishAsync(Channel, string.Concat(sender, kind.ToString(), subject));
    }

    /// <summary>The length of a sender id (<see cref="Guid"/> in the "N" format).</summary>
    internal const int SenderLength = 32;

    /// <summary>Splits a message; false when it is not one of ours.</summary>
    internal static bool TryParse(RedisValue message, out ReadOnlySpan<char> sender, out char kind, out string subject)
    {
        string? text = message;
        sender = default;
        kind = '\0';
        subject = string.Empty;
        if (text is null || text.Length < SenderLength + 1)
        {
            return false;
        }

        sender = text.AsSpan(0, SenderLength);
        kind = text[SenderLength];
        subject = text[(SenderLength + 1)..];
        return kind is 'S' or 'R' or 'T' or 'P' or 'C';
    }
}
