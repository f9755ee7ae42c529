using System.Globalization;

namespace CortexHybrid.Validation;

/// <summary>
/// The problems found in one options object, each naming the setting, its value and the allowed
/// range. The types themselves throw the first (<c>Validated()</c>, when constructed by hand); the
/// dependency-injection validators report them all when the host starts.
/// </summary>
internal sealed class SettingRules
{
    private List<SettingProblem>? _problems;

    public IReadOnlyList<SettingProblem> Problems => (IReadOnlyList<SettingProblem>?)_problems ?? [];

    public void AtLeast(int value, int minimum, string setting) =>
        Require(value >= minimum, setting, value, $"{setting} must be at least {minimum}.");

    public void Between(int value, int minimum, int maximum, string setting) =>
        Require(value >= minimum && value <= maximum, setting, value, $"{setting} must be from {minimum} to {maximum}.");

    public void Positive(TimeSpan value, string setting) =>
        Require(value > TimeSpan.Zero, setting, value, $"{setting} must be positive.");

    public void PositiveOrInfinite(TimeSpan value, string setting) =>
        Require(value > TimeSpan.Zero || value == Timeout.InfiniteTimeSpan, setting, value, $"{setting} must be positive, or Timeout.InfiniteTimeSpan.");

    /// <summary>The longest a timer can wait (<see cref="TimeProvider.CreateTimer"/>: 2^32 - 2 ms, about 49.7 days).</summary>
    public static readonly TimeSpan MaxTimerSpan = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>A span a timer waits for: positive and at most <see cref="MaxTimerSpan"/>, or infinite when <paramref name="infiniteAllowed"/>.</summary>
    public void TimerSpan(TimeSpan value, string setting, bool infiniteAllowed = true) =>
        Require(
            (value > TimeSpan.Zero && value <= MaxTimerSpan) || (infiniteAllowed && value == Timeout.InfiniteTimeSpan),
            setting,
            value,
            infiniteAllowed
                ? $"{setting} must be positive and at most 49 days (the timer's range), or Timeout.InfiniteTimeSpan."
                : $"{setting} must be positive and at most 49 days (the timer's range).");

    public void NotBlank(string? value, string setting)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(new SettingProblem(setting, value, $"{setting} must not be null, empty or white space.", Blank: true));
        }
    }

    /// <summary>Records a problem unless <paramref name="holds"/>; <paramref name="rule"/> says what is allowed.</summary>
    public void Require(bool holds, string setting, object? value, string rule)
    {
        if (!holds)
        {
            Add(new SettingProblem(setting, value, rule, Blank: false));
        }
    }

    /// <summary>Throws for the first problem: <see cref="ArgumentOutOfRangeException"/>, or <see cref="ArgumentException"/> for a blank name.</summary>
    public void ThrowIfAny()
    {
        if (_problems is not [SettingProblem first, ..])
        {
            return;
        }

        if (first.Blank)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace((string?)first.Value, first.Setting);
        }

        throw new ArgumentOutOfRangeException(first.Setting, first.Value, first.Rule);
    }

    private void Add(SettingProblem problem) => (_problems ??= []).Add(problem);
}

/// <summary>One setting out of range: its name, its value and what is allowed.</summary>
internal readonly record struct SettingProblem(string Setting, object? Value, string Rule, bool Blank)
{
    /// <summary>"<c>Cortex:Cache:L1Capacity is 0: L1Capacity must be at least 1.</c>", under the configuration path when there is one.</summary>
    public string Describe(string? sectionPath)
    {
        string where = string.IsNullOrEmpty(sectionPath) ? Setting : $"{sectionPath}:{Setting}";
        string value = Value switch
        {
            null => "not set",
            string text => $"'{text}'",
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => Value.ToString() ?? "",
        };
        return $"{where} is {value}: {Rule}";
    }
}
