using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace CortexHybrid.Metrics;

/// <summary>
/// The process's working set and its peak, read cheaply: on Linux one read of
/// <c>/proc/self/status</c> (a few microseconds), where <see cref="Process.GetCurrentProcess"/>
/// with <see cref="Process.WorkingSet64"/> and <see cref="Process.PeakWorkingSet64"/> costs about
/// 0.3 ms (it reads and parses several <c>/proc</c> files); elsewhere, or if that read fails,
/// through <see cref="Process"/>. A status tool reads this on every call, and its budget is 10 ms
/// in all, under load.
/// </summary>
internal static class ProcessMemoryReader
{
    private const string StatusPath = "/proc/self/status";

    /// <summary>Whether the Linux fast path still works (cleared after its first failure, so a failure costs once).</summary>
    private static bool s_procfs = OperatingSystem.IsLinux();

    /// <summary>Reads the working set and the peak working set, in bytes.</summary>
    public static (long WorkingSet, long Peak) Read()
    {
        if (s_procfs && TryReadProcfs(out long workingSet, out long peak))
        {
            return (workingSet, peak);
        }

        s_procfs = false;
        using Process process = Process.GetCurrentProcess();
        return (process.WorkingSet64, process.PeakWorkingSet64);
    }

    /// <summary>Parses <c>VmRSS:</c> and <c>VmHWM:</c> (kB) from <c>/proc/self/status</c>.</summary>
    internal static bool TryReadProcfs(out long workingSet, out long peak)
    {
        workingSet = peak = -1;
        Span<byte> buffer = stackalloc byte[4096];
        int length;
        try
        {
            using SafeFileHandle handle = File.OpenHandle(StatusPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            length = RandomAccess.Read(handle, buffer, 0);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }

        return TryParse(buffer[..length], out workingSet, out peak);
    }

    /// <summary>Parses the two figures from the text of a <c>/proc/PID/status</c> file (internal for the tests).</summary>
    internal static bool TryParse(ReadOnlySpan<byte> status, out long workingSet, out long peak)
    {
        workingSet = peak = -1;
        while (!status.IsEmpty)
        {
            int end = status.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? status : status[..end];
            status = end < 0 ? default : status[(end + 1)..];
            if (line.StartsWith("VmRSS:"u8))
            {
                workingSet = Kilobytes(line["VmRSS:"u8.Length..]);
            }
            else if (line.StartsWith("VmHWM:"u8))
            {
                peak = Kilobytes(line["VmHWM:"u8.Length..]);
            }
        }

        return workingSet >= 0 && peak >= 0;
    }

    /// <summary>"   123456 kB" as bytes; -1 when it is not that.</summary>
    private static long Kilobytes(ReadOnlySpan<byte> field)
    {
        field = field.Trim(" \t"u8);
        if (!field.EndsWith(" kB"u8))
        {
            return -1;
        }

        field = field[..^3].TrimEnd(" \t"u8);
        if (field.IsEmpty || field.Length > 15)
        {
            return -1;
        }

        long value = 0;
        foreach (byte digit in field)
        {
            if (digit is < (byte)'0' or > (byte)'9')
            {
                return -1;
            }

            value = (value * 10) + (digit - '0');
        }

        return value * 1024;
    }
}
