namespace CortexHybrid.Cli;

/// <summary>The process exit codes of <c>cortex</c>.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The command was valid but failed while running.</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong: unknown command or option, or a bad value.</summary>
    public const int Usage = 2;
}
