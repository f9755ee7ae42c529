using System.Diagnostics;
using System.Text;
using CortexHybrid.Metrics;

namespace CortexHybrid.Tests.Metrics;

/// <summary>The monitor's cheap read of the working set: the parse of <c>/proc/self/status</c>, and agreement with <see cref="Process"/>.</summary>
public class ProcessMemoryReaderTests
{
    private const string Status = "Name:\tcortex\nUmask:\t0022\nState:\tS (sleeping)\nVmPeak:\t 53516828 kB\nVmSize:\t 53450000 kB\nVmHWM:\t   573624 kB\nVmRSS:\t   452288 kB\nRssAnon:\t  351764 kB\nThreads:\t31\n";

    [Fact]
    public void The_resident_set_and_its_high_water_mark_are_read_in_bytes()
    {
        Assert.True(ProcessMemoryReader.TryParse(Encoding.ASCII.GetBytes(Status), out long workingSet, out long peak));
        Assert.Equal(452_288L * 1024, workingSet);
        Assert.Equal(573_624L * 1024, peak);
    }

    [Theory]
    [InlineData("Name:\tcortex\nVmRSS:\t   452288 kB\n")]
    [InlineData("VmHWM:\t   573624 kB\n")]
    [InlineData("VmHWM:\t   573624 kB\nVmRSS:\t   45x288 kB\n")]
    [InlineData("VmHWM:\t   573624 MB\nVmRSS:\t   452288 kB\n")]
    [InlineData("VmHWM:\t kB\nVmRSS:\t   452288 kB\n")]
    [InlineData("")]
    public void A_status_text_without_both_figures_is_not_taken(string status)
    {
        Assert.False(ProcessMemoryReader.TryParse(Encoding.ASCII.GetBytes(status), out _, out _));
    }

    [Fact]
    public void The_last_line_needs_no_newline()
    {
        Assert.True(ProcessMemoryReader.TryParse("VmRSS:\t 10 kB\nVmHWM:\t 20 kB"u8, out long workingSet, out long peak));
        Assert.Equal((10_240L, 20_480L), (workingSet, peak));
    }

    [Fact]
    public void It_agrees_with_the_process_class()
    {
        // The suite runs on linux-x64, where the fast path must work (it is not just the fallback).
        Assert.True(ProcessMemoryReader.TryReadProcfs(out long workingSet, out long peak));
        using Process process = Process.GetCurrentProcess();

        // Both read the same kernel figures; the resident set moves a little between the two reads.
        Assert.Equal(process.WorkingSet64, workingSet, tolerance: 64 * 1024 * 1024);
        Assert.True(peak >= workingSet, $"peak {peak} below the working set {workingSet}");
        // The high-water mark only rises, but the two reads were seen a page apart the wrong way
        // round (the kernel folds per-thread RSS counters into it lazily): a megabyte of slack.
        Assert.True(process.PeakWorkingSet64 >= peak - (1024 * 1024), $"the process class read a lower peak {process.PeakWorkingSet64} after {peak}");
        Assert.Equal(ProcessMemoryReader.Read().Peak, process.PeakWorkingSet64, tolerance: 64 * 1024 * 1024);
    }
}
