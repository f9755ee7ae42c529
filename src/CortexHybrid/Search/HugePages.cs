using System.Runtime.InteropServices;

namespace CortexHybrid.Search;

/// <summary>
/// Asks Linux to back a large native block with transparent huge pages (<c>madvise</c> with
/// <c>MADV_HUGEPAGE</c>), which the kernel grants at its <c>always</c> and <c>madvise</c> settings
/// (Debian's default is <c>madvise</c>, so without the call an index never gets them). With 4 KiB
/// pages, the first touch of every page of a 150 MB index is a page fault (measured here: about
/// 400 ms for 154 MB, 11 ms with huge pages), and a search that gathers scattered rows misses the
/// TLB on almost every one. A hint only: where the call does not exist or fails, pages stay small
/// and nothing else changes, so a failure stops further calls and is otherwise ignored.
/// </summary>
internal static unsafe partial class HugePages
{
    /// <summary>The huge page size on x64; blocks below two of them gain nothing (huge pages cover only whole, aligned 2 MiB ranges).</summary>
    public const nuint HugePageBytes = 2 << 20;

    private const int MadviseHugePage = 14;

    private static volatile bool s_unavailable = !OperatingSystem.IsLinux();

    /// <summary>Advises huge pages for the whole pages inside [<paramref name="block"/>, <paramref name="block"/> + <paramref name="bytes"/>).</summary>
    public static void Advise(void* block, nuint bytes)
    {
        if (s_unavailable || block is null || bytes < 2 * HugePageBytes)
        {
            return;
        }

        nuint page = (nuint)Environment.SystemPageSize;
        nuint start = ((nuint)block + page - 1) & ~(page - 1);
        nuint end = ((nuint)block + bytes) & ~(page - 1);
        try
        {
            if (madvise((void*)start, end - start, MadviseHugePage) != 0)
            {
                // EINVAL: a kernel built without transparent huge pages. It will not change.
                s_unavailable = true;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            s_unavailable = true;
        }
    }

    [LibraryImport("libc")]
    private static partial int madvise(void* address, nuint length, int advice);
}
