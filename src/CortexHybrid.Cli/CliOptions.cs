using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CortexHybrid.Cli;

/// <summary>Options and output settings every command shares, and the one way a number or a duration is read.</summary>
/// <remarks>
/// Every numeric and duration option is built here, so a bad value (not a number, out of the
/// type's range, out of the option's range, empty) is a parse error of one line naming the
/// option, what it takes and the value given, in the form
/// <c>--k takes a whole number from 1 to 10000; 'abc' is not one.</c>, and the command line
/// exits with 2 like any other parse error. The value is read in a custom parser, never by a
/// validator asking System.CommandLine for a value it could not convert (which throws).
/// </remarks>
internal static class CliOptions
{
    /// <summary>How JSON output is written.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>A new <c>--concurrency</c> option: concurrent clients, 1 to 1024, default 8.</summary>
    public static Option<int> ConcurrencyOption() =>
        WholeNumberOption("--concurrency", "Concurrent clients, 1 to 1024.", minimum: 1, maximum: 1024, defaultValue: 8);

    /// <summary>A new <c>--json</c> option.</summary>
    public static Option<bool> JsonOption() => new("--json") { Description = "Write JSON to standard output instead of text." };

    /// <summary>A new option taking one whole number from <paramref name="minimum"/> to <paramref name="maximum"/> (both included).</summary>
    public static Option<int> WholeNumberOption(string name, string description, int minimum, int maximum, int defaultValue) =>
        SingleValueOption(name, description, $"a whole number from {minimum} to {maximum}", defaultValue, text =>
            TryParseWholeNumber(text, minimum, maximum, out int value) ? value : null);

    /// <summary>A new option taking one of the names in <paramref name="choices"/> (their comparer decides case).</summary>
    public static Option<T> ChoiceOption<T>(string name, string description, string accepts, IReadOnlyDictionary<string, T> choices, T defaultValue)
        where T : struct =>
        SingleValueOption(name, description, accepts, defaultValue, text => choices.TryGetValue(text.Trim(), out T value) ? value : null);

    /// <summary>
    /// A new option taking one or more whole numbers from <paramref name="minimum"/> to
    /// <paramref name="maximum"/>, space- or comma-separated (<c>--dimensions 128 384</c>, <c>--dimensions 128,384</c>).
    /// </summary>
    public static Option<int[]> WholeNumbersOption(string name, string description, int minimum, int maximum, int[] defaultValues)
    {
        string accepts = $"one or more whole numbers from {minimum} to {maximum}, space- or comma-separated";
        return new Option<int[]>(name)
        {
            Description = description,
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = true,
            Validators = { result => RequireValue(result, name, accepts) },
            DefaultValueFactory = _ => defaultValues,
            CustomParser = result =>
            {
                var values = new List<int>();
                foreach (string text in result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries)))
                {
                    if (!TryParseWholeNumber(text, minimum, maximum, out int value))
                    {
                        result.AddError(BadValue(name, accepts, text));
                        return [];
                    }

                    values.Add(value);
                }

                if (values.Count == 0)
                {
                    // "" or ",": a value was given, but no number in it.
                    result.AddError(BadValue(name, accepts, TokenText(result)));
                }

                return [.. values];
            },
        };
    }

    /// <summary>
    /// A new option taking a length of time above zero and up to <paramref name="maximum"/>:
    /// a number with a unit (<c>1500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>; fractions allowed) or <c>[d.]hh:mm[:ss]</c>.
    /// </summary>
    public static Option<TimeSpan> DurationOption(string name, string description, TimeSpan maximum, TimeSpan defaultValue) =>
        SingleValueOption(name, description, $"a length of time above 0 and up to {FormatDuration(maximum)}, such as 30s, 2m, 1500ms or 00:01:30", defaultValue, text =>
            TryParseDuration(text, out TimeSpan value) && value > TimeSpan.Zero && value <= maximum ? value : null);

    /// <summary>
    /// A new option taking one value that <paramref name="parse"/> reads (null: not one of <paramref name="accepts"/>);
    /// a missing or bad value is one error line naming the option, what it takes and what was given.
    /// </summary>
    internal static Option<T> SingleValueOption<T>(string name, string description, string accepts, T defaultValue, Func<string, T?> parse)
        where T : struct => new(name)
    {
        Description = description,
        Arity = ArgumentArity.ZeroOrOne,
        Validators = { result => RequireValue(result, name, accepts) },
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            string text = TokenText(result);
            if (parse(text) is T value)
            {
                return value;
            }

            result.AddError(BadValue(name, accepts, text));
            return defaultValue;
        },
    };

    /// <summary>Reads a whole number in the invariant culture (optional sign and surrounding spaces); false if it is not one or is outside the range.</summary>
    internal static bool TryParseWholeNumber(string text, int minimum, int maximum, out int value) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= minimum && value <= maximum;

    /// <summary>
    /// Reads <c>1500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c> (any finite number, unit in any case) or
    /// what <see cref="TimeSpan.TryParse(string, IFormatProvider, out TimeSpan)"/> reads in the
    /// invariant culture; false for anything else, and for a length a <see cref="TimeSpan"/> cannot hold.
    /// </summary>
    internal static bool TryParseDuration(string text, out TimeSpan value)
    {
        text = text.Trim();
        (string suffix, double scale)[] units = [("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)];
        foreach ((string suffix, double scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out double number)
                && double.IsFinite(number))
            {
                double seconds = number * scale;

                // TimeSpan.FromSeconds throws past TimeSpan's range (1e300s); such a length is no length.
                if (Math.Abs(seconds) >= TimeSpan.MaxValue.TotalSeconds)
                {
                    value = default;
                    return false;
                }

                value = TimeSpan.FromSeconds(seconds);
                return true;
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// The error for an option given with no value (<c>--k</c> last, or <c>--k=</c>). The options
    /// allow zero tokens so that this, not System.CommandLine's arity message, is what is said; an
    /// option not given at all is <see cref="OptionResult.Implicit"/> and takes its default.
    /// </summary>
    private static void RequireValue(OptionResult result, string name, string accepts)
    {
        if (!result.Implicit && result.Tokens.Count == 0)
        {
            result.AddError($"{name} takes {accepts}; no value was given.");
        }
    }

    /// <summary>The parse error for a bad value: <c>--k takes a whole number from 1 to 10000; 'abc' is not one.</c></summary>
    private static string BadValue(string name, string accepts, string text) => $"{name} takes {accepts}; '{Printable(text)}' is not one.";

    /// <summary>The value given to a single-value option (arity checks make it one token; several are joined rather than dropped).</summary>
    private static string TokenText(ArgumentResult result) => string.Join(' ', result.Tokens.Select(t => t.Value));

    /// <summary>The value with control characters escaped, so the error stays one line whatever was typed.</summary>
    private static string Printable(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            builder.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        }

        return builder.ToString();
    }

    private static string FormatDuration(TimeSpan duration) => duration switch
    {
        { Ticks: var ticks } when ticks % TimeSpan.TicksPerHour == 0 => $"{ticks / TimeSpan.TicksPerHour}h",
        { Ticks: var ticks } when ticks % TimeSpan.TicksPerMinute == 0 => $"{ticks / TimeSpan.TicksPerMinute}m",
        { Ticks: var ticks } when ticks % TimeSpan.TicksPerSecond == 0 => $"{ticks / TimeSpan.TicksPerSecond}s",
        _ => $"{duration.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms",
    };
}
