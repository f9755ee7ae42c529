using System.Diagnostics;
using System.Text;
using StackExchange.Redis;

namespace CortexHybrid.Caching;

/// <summary>
/// The shared level 3 of <see cref="TieredCache"/>s in <see cref="Level3Mode.Shared"/>: values,
/// tags and prefixes of one cache name in Redis, over an <see cref="IConnectionMultiplexer"/> the
/// caller owns (it is not disposed here).
/// </summary>
/// <remarks>
/// <para>
/// Layout, under the namespace <c>{KeyPrefix}{cache name}:</c> (<see cref="Namespace"/>):
/// <list type="bullet">
/// <item><c>{ns}v:{key}</c>: a STRING holding the value's envelope (expiry, tags, the value,
/// Brotli-compressed when that pays), written with <c>PX</c> = the entry's remaining time to live
/// (no expiry beyond a century).</item>
/// <item><c>{ns}t:{tag}</c>: a SET of the keys written with that tag. Its own expiry is the longest
/// of its members' (extended, never shortened, as members are added; removed for a member that
/// never expires), so a tag set outlives every value it names and then goes by itself. A member
/// removed or rewritten without the tag stays in the set until the set expires or the tag is
/// removed: a tag removal may then delete a value that no longer carries the tag (more
/// invalidation than needed, never less).</item>
/// </list>
/// </para>
/// <para>
/// A tag removal takes the set's members and deletes the set in one script (so a key added
/// concurrently is either removed or kept in a new set, never lost), then deletes the members'
/// values. A prefix removal SCANs <c>{ns}v:{prefix}*</c> on every primary (the prefix glob-escaped)
/// and deletes what it finds: its cost grows with the namespace, not with the matches (chosen over
/// a prefix index, which would cost every write a sorted-set update). Every command names one key,
/// so the layout works on Redis Cluster too.
/// </para>
/// <para>
/// Calls are not bounded here: the cache bounds each by its <see cref="TieredCacheOptions.Level3Timeout"/>
/// and circuit breaker (a prefix removal per SCAN page).
/// </para>
/// </remarks>
public sealed class RedisSharedLevel3
{
    /// <summary>The default key prefix: every key starts <c>cortex:cache:{cache name}:</c>.</summary>
    public const string DefaultKeyPrefix = "cortex:cache:";

    private const int ScanPageSize = 1_000;

    /// <summary>Adds a member to a tag set and stretches the set's expiry to cover the member's (ARGV[2] ms; 0: never expires).</summary>
    private const string AddTagScript = """
        local existed = redis.call('EXISTS', KEYS[1])
        redis.call('SADD', KEYS[1], ARGV[1])
        local ttl = tonumber(ARGV[2])
        if existed == 0 then
          if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
        else
          local current = redis.call('PTTL', KEYS[1])
          if current >= 0 then
            if ttl <= 0 then redis.call('PERSIST', KEYS[1])
            elseif current < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
          end
        end
        return 1
        """;

    /// <summary>Takes a tag set's members and deletes it, atomically.</summary>
    private const string TakeTagScript = """
        local members = redis.call('SMEMBERS', KEYS[1])
        redis.call('DEL', KEYS[1])
        return members
        """;

    private static readonly TimeSpan NeverExpires = TimeSpan.FromDays(36_500);

    private readonly IConnectionMultiplexer _redis;
    private readonly string _valuePrefix;
    private readonly string _tagPrefix;

    /// <summary>A shared level 3 for the cache named <paramref name="cacheName"/>.</summary>
    /// <param name="redis">The connection; owned by the caller.</param>
    /// <param name="cacheName">The cache's <see cref="TieredCacheOptions.Name"/>: caches of one name share keys, tags and prefixes.</param>
    /// <param name="keyPrefix">What every Redis key of this library starts with; <see cref="DefaultKeyPrefix"/> when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="redis"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="cacheName"/> is null or empty.</exception>
    public RedisSharedLevel3(IConnectionMultiplexer redis, string cacheName, string? keyPrefix = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentException.ThrowIfNullOrEmpty(cacheName);
        _redis = redis;
        CacheName = cacheName;
        Namespace = (keyPrefix ?? DefaultKeyPrefix) + cacheName + ":";
        _valuePrefix = Namespace + "v:";
        _tagPrefix = Namespace + "t:";
    }

    /// <summary>The cache name this level 3 serves; a <see cref="TieredCache"/> over it must have the same <see cref="TieredCacheOptions.Name"/>.</summary>
    public string CacheName { get; }

    /// <summary>What every Redis key of this level 3 starts with: <c>{keyPrefix}{cacheName}:</c>.</summary>
    public string Namespace { get; }

    /// <summary>The connection.</summary>
    internal IConnectionMultiplexer Connection => _redis;

    /// <summary>The Redis key of a cache key's value.</summary>
    internal RedisKey ValueKey(string key) => _valuePrefix + key;

    /// <summary>The Redis key of a tag's set.</summary>
    internal RedisKey TagKey(string tag) => _tagPrefix + tag;

    internal async Task<byte[]?> GetAsync(string key) =>
        await _redis.GetDatabase().StringGetAsync(ValueKey(key)).ConfigureAwait(false);

    /// <summary>Writes a value with its expiry and adds it to its tags' sets, pipelined.</summary>
    internal Task SetAsync(string key, byte[] envelope, TimeSpan remaining, string[]? tags)
    {
        Debug.Assert(remaining > TimeSpan.Zero, "an expired entry is never written");
        IDatabase database = _redis.GetDatabase();
        TimeSpan? expiry = remaining > NeverExpires ? null : remaining;
        Task value = database.StringSetAsync(ValueKey(key), envelope, expiry);
        if (tags is null)
        {
            return value;
        }

        // At least 1 ms: PEXPIRE 0 would delete the set at once.
        long ttlMs = expiry is TimeSpan t ? Math.Max(1, (long)Math.Ceiling(t.TotalMilliseconds)) : 0;
        var calls = new Task[tags.Length + 1];
        calls[0] = value;
        for (int i = 0; i < tags.Length; i++)
        {
            calls[i + 1] = database.ScriptEvaluateAsync(AddTagScript, [TagKey(tags[i])], [key, ttlMs]);
        }

        return Task.WhenAll(calls);
    }

    /// <summary>Deletes a key's value; true when Redis held it.</summary>
    internal Task<bool> RemoveAsync(string key) => _redis.GetDatabase().KeyDeleteAsync(ValueKey(key));

    /// <summary>Deletes a tag's set and every value it named; the keys it named.</summary>
    internal async Task<string[]> RemoveByTagAsync(string tag)
    {
        IDatabase database = _redis.GetDatabase();
        RedisResult taken = await database.ScriptEvaluateAsync(TakeTagScript, [TagKey(tag)]).ConfigureAwait(false);
        string[] keys = taken.IsNull ? [] : (string[])taken!;
        if (keys.Length > 0)
        {
            var deletes = new Task[keys.Length];
            for (int i = 0; i < keys.Length; i++)
            {
                deletes[i] = database.KeyDeleteAsync(ValueKey(keys[i]));
            }

            await Task.WhenAll(deletes).ConfigureAwait(false);
        }

        return keys;
    }

    /// <summary>
    /// Deletes every value whose key starts with <paramref name="prefix"/> (every key of the
    /// namespace, tag sets included, when it is empty); each SCAN page and its deletes are one call
    /// through <paramref name="bounded"/>, which may throw to stop. The keys deleted.
    /// </summary>
    internal async Task<List<string>> RemoveByPrefixAsync(string prefix, Func<Func<Task>, Task> bounded)
    {
        string pattern = prefix.Length == 0 ? GlobEscape(Namespace) + "*" : GlobEscape(_valuePrefix + prefix) + "*";
        int strip = prefix.Length == 0 ? Namespace.Length : _valuePrefix.Length;
        var removed = new List<string>();
        foreach (IServer server in _redis.GetServers())
        {
            if (server.IsReplica)
            {
                continue;
            }

            ulong cursor = 0;
            do
            {
                await bounded(async () =>
                {
                    RedisResult page = await server.ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", ScanPageSize).ConfigureAwait(false);
                    RedisResult[] parts = (RedisResult[])page!;
                    cursor = ulong.Parse((string)parts[0]!, System.Globalization.CultureInfo.InvariantCulture);
                    RedisKey[] keys = (RedisKey[])parts[1]!;
                    if (keys.Length == 0)
                    {
                        return;
                    }

                    IDatabase database = _redis.GetDatabase();
                    var deletes = new Task<bool>[keys.Length];
                    for (int i = 0; i < keys.Length; i++)
                    {
                        deletes[i] = database.KeyDeleteAsync(keys[i]);
                    }

                    bool[] deleted = await Task.WhenAll(deletes).ConfigureAwait(false);
                    for (int i = 0; i < keys.Length; i++)
                    {
                        string rest = keys[i].ToString()[strip..];
                        if (!deleted[i])
                        {
                            continue;
                        }

                        if (prefix.Length > 0)
                        {
                            removed.Add(rest);
                        }
                        else if (rest.StartsWith("v:", StringComparison.Ordinal))
                        {
                            removed.Add(rest[2..]);
                        }
                    }
                }).ConfigureAwait(false);
            }
            while (cursor != 0);
        }

        return removed;
    }

    /// <summary>Escapes Redis glob characters (<c>* ? [ ] \</c>) so that a pattern matches the text literally.</summary>
    internal static string GlobEscape(string text)
    {
        if (text.AsSpan().IndexOfAny("*?[]\\") < 0)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}
