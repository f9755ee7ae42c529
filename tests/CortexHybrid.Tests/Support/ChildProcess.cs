using System.Diagnostics;

namespace CortexHybrid.Tests.Support;

/// <summary>Runs a program to completion with a controlled environment and captures its output.</summary>
public static class ChildProcess
{
    /// <summary>The variables the library reads at start-up; a child starts with none of them unless a test sets it.</summary>
    public static readonly string[] CortexVariables = ["CORTEX_KERNEL", "CORTEX_NATIVE_PATH", "CORTEX_NATIVE_ISA"];

    public static (int ExitCode, string Output, string Error) Run(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string variable in CortexVariables)
        {
            start.Environment.Remove(variable);
        }

        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>The dotnet host that runs this test process (set by <c>dotnet test</c>), else <c>dotnet</c> on PATH.</summary>
    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
}
