namespace CortexHybrid.Cli;

/// <summary>
/// Realistic, reproducible text for measurements: notes an assistant might be asked to remember
/// (preferences, decisions, incidents, settings, meetings, people) and questions one might recall
/// them by. The same seed gives the same sequence on every machine and run.
/// </summary>
/// <remarks>
/// <c>cortex import --generate N</c> stores the first N distinct notes of a seed, so a store of
/// 100,000 memories is one command away without a corpus file; <c>cortex load --mcp</c> asks
/// questions from a seed of its own. The vocabulary and templates are fixed: changing them
/// changes every generated corpus, so extend only by appending.
/// </remarks>
internal sealed class SentenceGenerator(int seed)
{
    /// <summary>The seed <c>cortex import --generate</c> uses unless told otherwise.</summary>
    public const int DefaultSeed = 20_240_601;

    private static readonly string[] People =
    [
        "Alice", "Bruno", "Chen", "Dana", "Emeka", "Farah", "Gustavo", "Hana", "Ivan", "Jade", "Kofi", "Lena",
        "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Victor", "Wen", "Ximena",
        "Yusuf", "Zoe", "Aiko", "Bilal", "Carmen", "Dmitri", "Elif", "Femi", "Greta", "Hugo", "Ines", "Jonas",
    ];

    private static readonly string[] Components =
    [
        "billing service", "search index", "login page", "payment gateway", "nightly backup job", "mobile app",
        "recommendation model", "invoice exporter", "email queue", "API gateway", "feature flag service",
        "analytics pipeline", "user profile store", "image resizer", "notification worker", "audit log",
        "checkout flow", "inventory sync", "report generator", "rate limiter", "session cache", "CI pipeline",
        "staging cluster", "data warehouse", "webhook dispatcher", "onboarding wizard", "admin dashboard",
        "translation service", "metrics exporter", "customer portal", "shipping calculator", "license server",
    ];

    private static readonly string[] Tools =
    [
        "PostgreSQL", "SQLite", "Redis", "Kafka", "RabbitMQ", "gRPC", "GraphQL", "Terraform", "Kubernetes",
        "Docker Compose", "GitHub Actions", "Grafana", "Prometheus", "OpenTelemetry", "xUnit", "NUnit",
        "Rider", "Visual Studio Code", "Vim", "tabs", "spaces", "dark mode", "Markdown", "YAML", "TOML",
        "a monorepo", "feature branches", "trunk-based development", "pair programming", "async stand-ups",
    ];

    private static readonly string[] Tasks =
    [
        "code reviews", "local development", "load testing", "writing design docs", "debugging production issues",
        "database migrations", "release notes", "on-call handovers", "sprint planning", "prototyping",
        "integration tests", "deployment scripts", "configuration files", "incident reviews", "data exports",
        "performance profiling", "dependency upgrades", "team retrospectives", "customer demos", "API design",
    ];

    private static readonly string[] Reasons =
    [
        "it halves the cold-start time", "the old version is out of support next quarter", "customers kept hitting timeouts",
        "the vendor raised prices again", "it removes a single point of failure", "the security review asked for it",
        "on-call was paged every night", "the team already knows it well", "it keeps latency under the budget",
        "the licence does not allow commercial use", "the logs were filling the disk", "it simplifies the deployment",
        "the error rate doubled after the last release", "legal needs an audit trail", "it cuts the cloud bill by a third",
        "the queue backed up during the sale", "nobody could reproduce the bug locally", "the tests took forty minutes",
    ];

    private static readonly string[] Actions =
    [
        "migrate", "retire", "rewrite", "split", "cache", "shard", "freeze", "rate-limit", "containerize", "monitor",
        "document", "load-test", "simplify", "replace", "upgrade", "roll back", "move off the shared cluster",
        "put behind a feature flag", "add retries to", "add an index to",
    ];

    private static readonly string[] Timings =
    [
        "before the end of the quarter", "next sprint", "after the holiday freeze", "this week", "in two phases",
        "once the new cluster is ready", "before the audit", "over the weekend", "by the next release", "gradually, region by region",
    ];

    private static readonly string[] Problems =
    [
        "times out", "returns stale data", "leaks memory", "drops messages", "double-charges some users",
        "crashes on start-up", "logs passwords in plain text", "uses all the CPU", "sends duplicate emails",
        "rejects valid tokens", "loses its connection to the database", "renders a blank page", "slows to a crawl",
    ];

    private static readonly string[] Conditions =
    [
        "the cache is cold", "more than a thousand users log in at once", "the clock changes for daylight saving",
        "a file larger than 2 GB is uploaded", "the primary database fails over", "two requests arrive in the same millisecond",
        "the disk is almost full", "the certificate is renewed", "a user has an apostrophe in their name",
        "the network drops for a few seconds", "the batch job overlaps with the backup", "the locale is set to Turkish",
    ];

    private static readonly string[] Fixes =
    [
        "raise the connection pool size", "add a timeout and a retry with backoff", "pin the library to the previous version",
        "move the work to a background queue", "add a unique index", "invalidate the cache on every write",
        "switch to UTC everywhere", "stream the file instead of buffering it", "use parameterized queries",
        "increase the memory limit and add an alert", "make the handler idempotent", "compare strings ordinally",
    ];

    private static readonly string[] Environments = ["production", "staging", "test", "development", "EU", "US", "Asia-Pacific", "on-premises"];

    private static readonly string[] Details =
    [
        "needs a restart after config changes", "only accepts TLS 1.3", "is behind the VPN", "is rebuilt every night",
        "reads its settings from the vault", "has no health check yet", "runs three replicas", "is shared with the data team",
        "writes its logs to the central collector", "must not be scaled past four nodes",
    ];

    private static readonly string[] Relations = ["daughter", "son", "partner", "mother", "father", "sister", "brother", "manager", "mentor", "best friend"];

    private static readonly string[] Names =
    [
        "Maya", "Leo", "Ava", "Noah", "Iris", "Theo", "Lina", "Arjun", "Mila", "Felix", "Sara", "Kenji", "Nora", "Luca", "Ada", "Omar",
    ];

    private static readonly string[] Likes =
    [
        "oat milk lattes", "green tea", "sparkling water", "dark chocolate", "spicy food", "sushi", "vegetarian dishes",
        "morning meetings", "written updates", "short calls", "detailed agendas", "quiet rooms", "standing desks",
    ];

    private static readonly string[] Dislikes =
    [
        "peanuts", "shellfish", "gluten", "meetings after 4 pm", "surprise deadlines", "long email threads",
        "open-plan offices", "loud music", "being cc'd on everything", "late-night deploys",
    ];

    private static readonly string[] Months =
    [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ];

    private static readonly string[] Weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];

    private static readonly string[] Projects = ["CORE", "PAY", "WEB", "OPS", "DATA", "APP", "SEC", "INFRA"];

    private static readonly string[] Openers = ["", "Do you remember ", "Remind me: ", "Quick question: ", "Can you recall ", "I forgot, "];

    private readonly Random _random = new(seed);

    /// <summary>The first <paramref name="count"/> distinct notes of <paramref name="seed"/>.</summary>
    public static IEnumerable<string> DistinctNotes(int count, int seed)
    {
        var generator = new SentenceGenerator(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (seen.Count < count)
        {
            string note = generator.NextNote();
            if (seen.Add(note))
            {
                yield return note;
            }
        }
    }

    /// <summary>A note worth remembering, one sentence or two.</summary>
    public string NextNote() => _random.Next(10) switch
    {
        0 => $"{Pick(People)} prefers {Pick(Tools)} over {Pick(Tools)} for {Pick(Tasks)}, because {Pick(Reasons)}.",
        1 => $"We decided to {Pick(Actions)} the {Pick(Components)} {Pick(Timings)} because {Pick(Reasons)}.",
        2 => $"The {Pick(Components)} {Pick(Problems)} when {Pick(Conditions)}; the fix was to {Pick(Fixes)}.",
        3 => $"The {Pick(Environments)} {Pick(Components)} listens on port {_random.Next(1024, 65536)} and {Pick(Details)}.",
        4 => $"Ticket {Pick(Projects)}-{_random.Next(100, 10000)}: the {Pick(Components)} {Pick(Problems)} after the upgrade to version {_random.Next(1, 13)}.{_random.Next(0, 20)}.",
        5 => $"Meeting on {Pick(Months)} {_random.Next(1, 29)}: {Pick(People)} will {Pick(Actions)} the {Pick(Components)} by {Pick(Weekdays)}, and {Pick(People)} reviews it.",
        6 => $"{Pick(People)}'s {Pick(Relations)} {Pick(Names)} has a birthday on {Pick(Months)} {_random.Next(1, 29)} and loves {Pick(Likes)}.",
        7 => $"{Pick(People)} likes {Pick(Likes)}, cannot stand {Pick(Dislikes)}, and is the best person to ask about the {Pick(Components)}.",
        8 => $"Incident {_random.Next(1, 1000)} in {Pick(Environments)}: the {Pick(Components)} {Pick(Problems)} for {_random.Next(2, 180)} minutes; the root cause was that {Pick(Conditions)}.",
        _ => $"For {Pick(Tasks)} on the {Pick(Components)}, the team uses {Pick(Tools)} and {Pick(Tools)}; {Pick(People)} owns the setup.",
    };

    /// <summary>A question one might recall notes by.</summary>
    public string NextQuestion() => Pick(Openers) + _random.Next(8) switch
    {
        0 => $"what does {Pick(People)} prefer for {Pick(Tasks)}?",
        1 => $"why did we decide to {Pick(Actions)} the {Pick(Components)}?",
        2 => $"which port does the {Pick(Environments)} {Pick(Components)} use?",
        3 => $"what broke in the {Pick(Components)} after the upgrade to version {_random.Next(1, 13)}.{_random.Next(0, 20)}?",
        4 => $"when is the birthday of {Pick(People)}'s {Pick(Relations)}?",
        5 => $"how did we fix the {Pick(Components)} when {Pick(Conditions)}?",
        6 => $"what happened in incident {_random.Next(1, 1000)} with the {Pick(Components)} in {Pick(Environments)}?",
        _ => $"who owns the {Pick(Tools)} setup for {Pick(Tasks)} on the {Pick(Components)}, ticket {Pick(Projects)}-{_random.Next(100, 10000)}?",
    };

    private string Pick(string[] words) => words[_random.Next(words.Length)];
}
