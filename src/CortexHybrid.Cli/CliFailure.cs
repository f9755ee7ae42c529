using System.Net.Sockets;

namespace CortexHybrid.Cli;

/// <summary>A failure the user can act on, reported as one line (the message) with no stack trace.</summary>
internal sealed class CliFailure(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A command line that parsed but makes no sense (options that contradict each other): one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>Runs a command's work and turns its failures into one line on standard error and exit code 1.</summary>
internal static class CommandErrors
{
    /// <summary>A new <c>--verbose</c> option: failures print their stack trace too.</summary>
    public static System.CommandLine.Option<bool> VerboseOption() =>
        new("--verbose") { Description = "On failure, print the exception with its stack trace, not just one line." };

    /// <summary>Runs <paramref name="work"/>; expected failures (bad files, unreachable servers, bad input) become one line.</summary>
    public static async Task<int> RunAsync(bool verbose, Func<Task<int>> work)
    {
        try
        {
            return await work();
        }
        catch (UsageException usage)
        {
            Console.Error.WriteLine($"cortex: {usage.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception exception) when (IsExpected(exception))
        {
            Console.Error.WriteLine($"cortex: {OneLine(exception)}");
            if (verbose)
            {
                Console.Error.WriteLine(exception);
            }

            return ExitCodes.Failure;
        }
        catch (Exception exception)
        {
            Console.Error.WriteLine($"cortex: unexpected {exception.GetType().Name}: {exception.Message}");
            Console.Error.WriteLine(verbose ? exception.ToString() : "Run again with --verbose for the stack trace.");
            return ExitCodes.Failure;
        }
    }

    /// <summary>The message, without the "(Parameter 'x')" an ArgumentException appends: the user named no parameter.</summary>
    public static string OneLine(Exception exception)
    {
        string message = exception is ArgumentException { ParamName: { } name } argument
            ? argument.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal)
            : exception.Message;
        return message.ReplaceLineEndings(" ");
    }

    private static bool IsExpected(Exception exception) => exception is CliFailure
        or IOException or UnauthorizedAccessException
        or NotSupportedException or SocketException or ArgumentException
        or Memory.Stores.MemoryStoreModelMismatchException or Memory.Stores.MemoryStoreUnavailableException or Microsoft.Extensions.Options.OptionsValidationException;
}
