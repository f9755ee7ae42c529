using System.Text.Json;

namespace CortexHybrid.Tests.Support;

/// <summary>Runs this test assembly's <c>probe</c> program (see <see cref="Program"/>) in a child process.</summary>
public static class ProbeProcess
{
    public static ProbeReport Run(IReadOnlyDictionary<string, string?> environment)
    {
        (int exitCode, string output, string error) = ChildProcess.Run(ChildProcess.DotnetHost, [typeof(Program).Assembly.Location, "probe"], environment);
        Assert.True(exitCode == 0, $"probe exited with {exitCode}: {error}");
        return JsonSerializer.Deserialize<ProbeReport>(output) ?? throw new InvalidOperationException($"probe printed nothing: {error}");
    }
}
