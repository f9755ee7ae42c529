using CortexHybrid.Tests.Support;

namespace CortexHybrid.IntegrationTests;

/// <summary>
/// Runs the <c>dotnet</c> CLI as a user would. The MSBuild variables <c>dotnet test</c> leaves in
/// this process's environment are removed, so a child build behaves like one from a fresh shell.
/// </summary>
public static class DotnetCli
{
    /// <summary>The build configuration these tests were built in (the CLI was built in the same one).</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static (int ExitCode, string Output, string Error) Run(
        IEnumerable<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null)
    {
        var clean = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>());
        foreach (string name in Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.Equals("MSBuildSDKsPath", StringComparison.OrdinalIgnoreCase))
            {
                clean.TryAdd(name, null);
            }
        }

        clean.TryAdd("DOTNET_CLI_TELEMETRY_OPTOUT", "1");
        clean.TryAdd("DOTNET_NOLOGO", "1");
        return ChildProcess.Run(ChildProcess.DotnetHost, arguments, clean, workingDirectory, timeout ?? TimeSpan.FromMinutes(5));
    }

    /// <summary>Runs a command and fails the test, with its output, unless it exits with 0.</summary>
    public static string RunOrFail(IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?>? environment = null)
    {
        string[] args = arguments.ToArray();
        (int exitCode, string output, string error) = Run(args, workingDirectory, environment);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', args)} exited with {exitCode}:\n{output}\n{error}");
        return output;
    }
}
