namespace CortexHybrid.IntegrationTests.Cli;

/// <summary>Runs the built <c>cortex</c> command (src/CortexHybrid.Cli, same configuration as the tests).</summary>
public static class CortexCommand
{
    public static string Path { get; } = System.IO.Path.Combine(
        RepositoryPaths.Root, "src", "CortexHybrid.Cli", "bin", DotnetCli.Configuration, "net10.0", "cortex.dll");

    public static (int ExitCode, string Output, string Error) Run(params string[] arguments) =>
        Run(new Dictionary<string, string?>(), arguments);

    public static (int ExitCode, string Output, string Error) Run(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        Assert.True(File.Exists(Path), $"{Path} is missing: the test project builds the CLI first");
        return ChildProcess.Run(ChildProcess.DotnetHost, [Path, .. arguments], environment);
    }
}
