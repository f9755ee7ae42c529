using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CortexHybrid.IntegrationTests.Cli;

/// <summary>Sends a child process SIGINT or SIGTERM the way a terminal or a service manager does, for <see cref="Interruptible"/> and the server processes.</summary>
internal static class Signals
{
    /// <summary>Sends SIG<paramref name="signal"/> (INT is what Ctrl-C sends, TERM what kill and service managers send) with kill(1), after checking the child does not ignore it.</summary>
    public static async Task SendAsync(Process process, string signal)
    {
        Assert.False(Ignores(process.Id, signal), $"the child ignores SIG{signal}; the test cannot send it");
        using Process kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Whether process <paramref name="pid"/> has SIG<paramref name="signal"/> ignored (bit n - 1 of SigIgn in /proc/pid/status for signal n).</summary>
    private static bool Ignores(int pid, string signal)
    {
        int number = signal switch
        {
            "INT" => 2,
            "TERM" => 15,
            _ => throw new ArgumentException($"no signal number for '{signal}'", nameof(signal)),
        };
        string status = File.ReadAllText($"/proc/{pid}/status");
        Match ignored = Regex.Match(status, @"(?m)^SigIgn:\s*([0-9a-fA-F]+)$");
        return ignored.Success && (ulong.Parse(ignored.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (number - 1))) != 0;
    }
}
