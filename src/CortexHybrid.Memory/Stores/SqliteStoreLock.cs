using System.Globalization;
using System.Text;

namespace CortexHybrid.Memory.Stores;

/// <summary>
/// The exclusive claim of one <see cref="SqliteMemoryStore"/> on its directory: the file
/// <c>memory.lock</c> held open with <see cref="FileShare.None"/> for the store's lifetime. On Unix
/// .NET takes <c>flock(LOCK_EX | LOCK_NB)</c> for that, which conflicts between any two opens of
/// the file, in one process or two, and the kernel drops it when the process dies (kill -9
/// included), so a crash never leaves a stale lock.
/// </summary>
/// <remarks>
/// The file holds the owner's pid, for people (<c>cat memory.lock</c>). .NET takes a shared
/// <c>flock</c> for every other open of a file, so a refused instance cannot read a file held this
/// way: the pid is also written to <c>memory.owner</c>, which the refused instance reads to name
/// the owner. The owner deletes that file before it lets the lock go, so it never names a process
/// that no longer holds the lock (after a crash it stays, and the next owner overwrites it).
/// Setting <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c> turns .NET's file locking, and so this
/// lock, off.
/// </remarks>
internal sealed class SqliteStoreLock : IDisposable
{
    internal const string LockFileName = "memory.lock";
    internal const string OwnerFileName = "memory.owner";

    private readonly FileStream _file;
    private readonly string _ownerPath;

    private SqliteStoreLock(FileStream file, string ownerPath)
    {
        _file = file;
        _ownerPath = ownerPath;
    }

    /// <summary>Takes the lock of <paramref name="directory"/> (which exists) and records this process as its owner.</summary>
    /// <exception cref="MemoryStoreUnavailableException">Another instance holds the lock, or the directory cannot be written.</exception>
    public static SqliteStoreLock Acquire(string directory, string description)
    {
        string lockPath = Path.Combine(directory, LockFileName);
        string ownerPath = Path.Combine(directory, OwnerFileName);
        FileStream file;
        try
        {
            file = new FileStream(lockPath, PrivateFile(FileMode.OpenOrCreate, FileShare.None));
        }
        catch (IOException e) when (IsLockConflict(e))
        {
            throw new MemoryStoreUnavailableException($"The {description} is locked by another instance (pid {ReadOwner(ownerPath)}): one process at a time can use a store directory.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unwritable(directory, lockPath, e);
        }

        try
        {
            byte[] pid = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            file.SetLength(0);
            file.Write(pid);
            file.Flush();
            using (var owner = new FileStream(ownerPath, PrivateFile(FileMode.Create, FileShare.Read)))
            {
                owner.Write(pid);
            }

            return new SqliteStoreLock(file, ownerPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            file.Dispose();
            throw Unwritable(directory, ownerPath, e);
        }
    }

    /// <summary>Forgets the owner, then lets the lock go (the lock file stays: deleting a locked file races with the next locker).</summary>
    public void Dispose()
    {
        try
        {
            File.Delete(_ownerPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The next owner overwrites it; until then it names a process that no longer holds the lock.
        }

        _file.Dispose();
    }

    /// <summary>The options of a file only its owner may read or write (0600 on Unix).</summary>
    internal static FileStreamOptions PrivateFile(FileMode mode, FileShare share)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.ReadWrite, Share = share };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return options;
    }

    /// <summary>The failure of a store whose directory cannot be written, as one line.</summary>
    internal static MemoryStoreUnavailableException Unwritable(string directory, string path, Exception e) =>
        new($"The memory store directory {directory} cannot be written ({Path.GetFileName(path)}): {OneLine(e.Message)}", e);

    internal static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    /// <summary>
    /// Whether opening the lock file failed because another open holds it: <c>EWOULDBLOCK</c> from
    /// <c>flock</c> on Unix, a sharing or lock violation on Windows. .NET reports both as a plain
    /// <see cref="IOException"/> whose HResult is the error number.
    /// </summary>
    private static bool IsLockConflict(IOException e)
    {
        if (e.GetType() != typeof(IOException))
        {
            return false;
        }

        if (OperatingSystem.IsWindows())
        {
            return (e.HResult & 0xFFFF) is 32 or 33;
        }

        // EWOULDBLOCK (= EAGAIN): 11 on Linux, 35 on macOS and the BSDs.
        return e.HResult == (OperatingSystem.IsLinux() ? 11 : 35);
    }

    private static string ReadOwner(string ownerPath)
    {
        try
        {
            using var owner = new FileStream(ownerPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(owner, Encoding.ASCII);
            return int.TryParse(reader.ReadLine(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid.ToString(CultureInfo.InvariantCulture) : "unknown";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The owner has just taken the lock and not yet written the file, or is letting it go.
            return "unknown";
        }
    }
}
