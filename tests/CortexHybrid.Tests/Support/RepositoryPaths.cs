namespace CortexHybrid.Tests.Support;

/// <summary>Paths in the source tree the tests were built from.</summary>
public static class RepositoryPaths
{
    /// <summary>The repository root: the first directory above the test binaries holding CortexHybrid.sln and Cargo.toml.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>An executable from the Rust toolchain: <c>~/.cargo/bin</c> first (where rustup puts it), then PATH.</summary>
    public static string RustTool(string name)
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string inCargoHome = Path.Combine(home, ".cargo", "bin", name);
        return File.Exists(inCargoHome) ? inCargoHome : name;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CortexHybrid.sln")) && File.Exists(Path.Combine(directory.FullName, "Cargo.toml")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root above {AppContext.BaseDirectory}");
    }
}
