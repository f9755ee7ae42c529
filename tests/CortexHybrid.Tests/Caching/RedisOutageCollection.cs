namespace CortexHybrid.Tests.Caching;

/// <summary>
/// The tests that start (and kill, and restart) real redis-servers. They run alone, not beside
/// other test classes: an outage test measures how calls behave while Redis is away and how soon
/// the client reconnects, and on a 2-core machine shared with the rest of the suite (and with each
/// other) StackExchange.Redis's reconnects were seen to take over 10 s.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RedisOutageCollection
{
    public const string Name = "Redis servers";
}
