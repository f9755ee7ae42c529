namespace CortexHybrid.IntegrationTests.Package;

/// <summary>
/// The four packages packed once for every package test: into a folder feed as build.cake's Pack
/// target makes them, and, when a test asks, again as a clone with a git remote would.
/// </summary>
/// <remarks>
/// The libraries are packed the way build.cake's Pack packs them, right after a local build
/// (these tests run with --no-build, after one), with -p:ContinuousIntegrationBuild=true: that must
/// recompile them with source paths mapped to /_/. The tool is packed with --no-build so the
/// binaries the command tests run are not rebuilt under them.
/// </remarks>
public sealed class PackedPackages : IDisposable
{
    public const string Kernels = "CortexHybrid";
    public const string Serving = "CortexHybrid.Serving";
    public const string Memory = "CortexHybrid.Memory";
    public const string Tool = "CortexHybrid.Cli";

    /// <summary>The remote the "with a remote" packs pretend the clone has.</summary>
    public const string ExampleRepositoryUrl = "https://github.com/example/cortexhybrid.git";

    /// <summary>The same repository as a developer's SSH clone names it; Source Link translates it to https.</summary>
    public const string ExampleSshRepositoryUrl = "git@github.com:example/cortexhybrid.git";

    public const string ExampleProjectUrl = "https://github.com/example/cortexhybrid";

    private readonly TemporaryDirectory _root = new();
    private readonly Dictionary<string, PackedPackage> _feed = [];
    private readonly Lazy<PackedPackage> _withRepositoryUrlProperty;
    private readonly Lazy<IReadOnlyDictionary<string, PackedPackage>> _withGitRemote;
    private readonly Lazy<PackedPackage> _withSshGitRemote;

    public PackedPackages()
    {
        Feed = Directory.CreateDirectory(Path.Combine(_root.Path, "feed")).FullName;
        Pack(Kernels, Feed, ["-p:ContinuousIntegrationBuild=true"]);
        Pack(Serving, Feed, ["-p:ContinuousIntegrationBuild=true"]);
        Pack(Memory, Feed, ["-p:ContinuousIntegrationBuild=true"]);
        Pack(Tool, Feed, ["--no-build"]);
        foreach (string id in (string[])[Kernels, Serving, Memory, Tool])
        {
            _feed[id] = new PackedPackage(Feed, id);
        }

        (int exitCode, string head, _) = Git("rev-parse", "HEAD");
        Commit = exitCode == 0 ? head.Trim() : null;
        (int originExit, string origin, _) = Git("remote", "get-url", "origin");
        HasOriginRemote = originExit == 0;
        OriginIsLocalPath = HasOriginRemote && IsLocalPath(origin.Trim());

        _withRepositoryUrlProperty = new(() => PackElsewhere(
            "repository-url-property", Kernels, ["--no-build", $"-p:PrivateRepositoryUrl={ExampleRepositoryUrl}"], environment: null));
        _withGitRemote = new(() =>
        {
            Dictionary<string, string?> environment = GitRemote("git-remote", ExampleRepositoryUrl);
            // A library and the tool (the serving library is packed as the kernel one is).
            return new[] { Kernels, Tool }.ToDictionary(
                id => id,
                id => PackElsewhere("git-remote", id, ["--no-build", "--disable-build-servers"], environment));
        });
        _withSshGitRemote = new(() => PackElsewhere(
            "ssh-git-remote", Kernels, ["--no-build", "--disable-build-servers"], GitRemote("ssh-git-remote", ExampleSshRepositoryUrl)));
    }

    /// <summary>The folder feed holding the three packages and their symbol packages.</summary>
    public string Feed { get; }

    /// <summary>The packages' version (all three share it).</summary>
    public string Version => this[Kernels].Version;

    /// <summary>The commit the repository is at (<c>git rev-parse HEAD</c>), or null without git.</summary>
    public string? Commit { get; }

    /// <summary>Whether this clone has a remote "origin" of its own (without one, the packages name no repository URL).</summary>
    public bool HasOriginRemote { get; }

    /// <summary>
    /// Whether the clone's origin is a folder on this machine (a clone of a local repository, as CI
    /// makes): not a web address, so the packages name no repository URL, and, as the clone's own
    /// remote, it wins over one in git's global configuration.
    /// </summary>
    public bool OriginIsLocalPath { get; }

    /// <summary>A package in the feed.</summary>
    public PackedPackage this[string id] => _feed[id];

    /// <summary>CortexHybrid packed with -p:PrivateRepositoryUrl (the property Source Link sets from the remote).</summary>
    public PackedPackage WithRepositoryUrlProperty => _withRepositoryUrlProperty.Value;

    /// <summary>CortexHybrid or the tool packed while git's configuration gives the clone the remote origin <see cref="ExampleRepositoryUrl"/>.</summary>
    public PackedPackage WithGitRemote(string id) => _withGitRemote.Value[id];

    /// <summary>CortexHybrid packed while git's configuration gives the clone the remote origin <see cref="ExampleSshRepositoryUrl"/>.</summary>
    public PackedPackage WithSshGitRemote => _withSshGitRemote.Value;

    public void Dispose() => _root.Dispose();

    public static string ProjectFile(string id) => id switch
    {
        Kernels => Path.Combine(RepositoryPaths.Root, "src", "CortexHybrid", "CortexHybrid.csproj"),
        Serving => Path.Combine(RepositoryPaths.Root, "src", "CortexHybrid.Serving", "CortexHybrid.Serving.csproj"),
        Memory => Path.Combine(RepositoryPaths.Root, "src", "CortexHybrid.Memory", "CortexHybrid.Memory.csproj"),
        Tool => Path.Combine(RepositoryPaths.Root, "src", "CortexHybrid.Cli", "CortexHybrid.Cli.csproj"),
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, "not a package of this repository"),
    };

    private static void Pack(string id, string output, IEnumerable<string> options, IReadOnlyDictionary<string, string?>? environment = null) =>
        DotnetCli.RunOrFail(
            ["pack", ProjectFile(id), "-c", DotnetCli.Configuration, "-o", output, "--nologo", .. options],
            RepositoryPaths.Root,
            environment);

    private PackedPackage PackElsewhere(string folder, string id, IEnumerable<string> options, IReadOnlyDictionary<string, string?>? environment)
    {
        string output = Directory.CreateDirectory(Path.Combine(_root.Path, folder)).FullName;
        Pack(id, output, options, environment);
        return new PackedPackage(output, id);
    }

    /// <summary>
    /// An environment in which this clone has the remote origin <paramref name="url"/>: git's global
    /// configuration file moved to a folder of our own ($XDG_CONFIG_HOME/git/config, which git and
    /// Source Link's reader both read), holding the remote (plus whatever the real file says). The
    /// build then reads the remote exactly as it reads a real one, mid-build, from git's configuration.
    /// </summary>
    private Dictionary<string, string?> GitRemote(string folder, string url)
    {
        string home = Path.Combine(_root.Path, folder + "-config");
        string git = Directory.CreateDirectory(Path.Combine(home, "git")).FullName;
        string? realHome = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        string real = Path.Combine(realHome, "git", "config");
        string inherited = File.Exists(real) ? File.ReadAllText(real) + "\n" : "";
        File.WriteAllText(Path.Combine(git, "config"), $"{inherited}[remote \"origin\"]\n\turl = {url}\n");
        return new Dictionary<string, string?> { ["XDG_CONFIG_HOME"] = home };
    }

    /// <summary>A remote URL that is a path (<c>/work/main</c>, <c>../repo</c>, <c>file://...</c>), not a web or SSH address (<c>https://</c>, <c>ssh://</c>, <c>git@host:owner/repo</c>).</summary>
    private static bool IsLocalPath(string url)
    {
        if (url.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (url.Contains("://", StringComparison.Ordinal))
        {
            return false;
        }

        // scp-like syntax: a colon before any slash (user@host:path or host:path).
        int colon = url.IndexOf(':', StringComparison.Ordinal);
        int slash = url.IndexOf('/', StringComparison.Ordinal);
        return colon < 0 || (slash >= 0 && slash < colon);
    }

    private static (int ExitCode, string Output, string Error) Git(params string[] arguments)
    {
        try
        {
            return ChildProcess.Run("git", arguments, workingDirectory: RepositoryPaths.Root);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, "", "git is not installed");
        }
    }
}
