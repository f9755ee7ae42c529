namespace CortexHybrid.Memory;

/// <summary>Where a memory lives by default.</summary>
public static class MemoryPaths
{
    /// <summary>The environment variable that overrides <see cref="DefaultStoreDirectory"/>.</summary>
    public const string StoreVariable = "CORTEX_STORE";

    /// <summary>
    /// The default store directory: <c>$CORTEX_STORE</c> when set, else <c>cortex-hybrid/memory</c>
    /// under the user's local data folder (<c>$XDG_DATA_HOME</c> or <c>~/.local/share</c> on Linux,
    /// <c>%LOCALAPPDATA%</c> on Windows, <c>~/Library/Application Support</c> on macOS).
    /// </summary>
    /// <returns>The directory (not created).</returns>
    public static string DefaultStoreDirectory()
    {
        string? overridden = Environment.GetEnvironmentVariable(StoreVariable);
        if (!string.IsNullOrWhiteSpace(overridden))
        {
            return Path.GetFullPath(overridden);
        }

        string data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        if (string.IsNullOrEmpty(data))
        {
            data = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        }

        return Path.Combine(data, "cortex-hybrid", "memory");
    }
}
