using CortexHybrid.Validation;
using Microsoft.Extensions.Options;

namespace CortexHybrid.Hosting;

/// <summary>
/// Validates one named options instance with the rules its type applies when constructed by hand,
/// reporting every problem with the setting's configuration path, its value and the allowed range.
/// Registered with <c>ValidateOnStart</c>, so a bad setting fails the host's start, not the first request.
/// </summary>
internal sealed class SettingsValidator<TOptions>(string optionsName, string component, Func<TOptions, SettingRules> check) : IValidateOptions<TOptions>
    where TOptions : class
{
    /// <summary>The configuration section the options were bound from, for messages; null when not bound.</summary>
    public string? SectionPath { get; set; }

    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        if (!string.Equals(name ?? Options.DefaultName, optionsName, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        IReadOnlyList<SettingProblem> problems = check(options).Problems;
        if (problems.Count == 0)
        {
            return ValidateOptionsResult.Success;
        }

        return ValidateOptionsResult.Fail(problems.Select(p => $"{component}: {p.Describe(SectionPath)}"));
    }
}
