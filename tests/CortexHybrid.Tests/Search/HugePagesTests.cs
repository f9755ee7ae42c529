using System.Globalization;
using CortexHybrid.Search;

namespace CortexHybrid.Tests.Search;

/// <summary>
/// The row blocks of a large index are eligible for transparent huge pages: on Linux with the
/// kernel at <c>always</c> or <c>madvise</c> (Debian's default), the mapping that holds the rows
/// says <c>THPeligible: 1</c> in <c>/proc/self/smaps</c> once <see cref="HugePages.Advise"/> ran,
/// and a small block is left alone. Elsewhere the hint does nothing and the store still works.
/// </summary>
public class HugePagesTests
{
    [Fact]
    public unsafe void Large_row_blocks_are_advised_to_use_huge_pages()
    {
        using var store = new RowStore(384, floats: true, codeBytesPerRow: 384);
        store.Reserve(40_000); // 61 MB of floats, 15 MB of codes
        store.Append(7, new float[384], 0);
        Assert.Equal(7, store.Id(0));
        if (!OperatingSystem.IsLinux() || !KernelGrantsOnRequest())
        {
            return;
        }

        Assert.True(Eligible((nuint)store.Rows + (8 << 20)), "the float rows' mapping is not THPeligible");
        Assert.True(Eligible((nuint)store.Codes + (8 << 20)), "the codes' mapping is not THPeligible");
    }

    private static bool KernelGrantsOnRequest()
    {
        const string Setting = "/sys/kernel/mm/transparent_hugepage/enabled";
        return File.Exists(Setting) && File.ReadAllText(Setting) is string mode && (mode.Contains("[always]") || mode.Contains("[madvise]"));
    }

    /// <summary>Whether the mapping holding <paramref name="address"/> is eligible for huge pages.</summary>
    private static bool Eligible(nuint address)
    {
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-');
            int space = line.IndexOf(' ');
            if (dash > 0 && space > dash && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, null, out ulong start)
                && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, null, out ulong end))
            {
                inside = address >= start && address < end;
            }
            else if (inside && line.StartsWith("THPeligible:", StringComparison.Ordinal))
            {
                return line.EndsWith('1');
            }
        }

        return false;
    }
}
