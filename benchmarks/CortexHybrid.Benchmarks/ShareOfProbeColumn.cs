using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// The fraction of the bandwidth probe's speed a benchmark reaches: probe median time / this median
/// time, for the probe with the same parameters (1 = as fast as a plain read of the same bytes).
/// </summary>
public sealed class ShareOfProbeColumn(string probeMethod) : IColumn
{
    public string Id => nameof(ShareOfProbeColumn);

    public string ColumnName => "Of bandwidth";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 1;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => $"{probeMethod} median time / this median time, same parameters";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        BenchmarkCase? probe = summary.BenchmarksCases.FirstOrDefault(c =>
            c.Descriptor.WorkloadMethod.Name == probeMethod && c.Parameters.DisplayInfo == benchmarkCase.Parameters.DisplayInfo);
        double? probeMedian = probe is null ? null : summary[probe]?.ResultStatistics?.Median;
        double? median = summary[benchmarkCase]?.ResultStatistics?.Median;
        return probeMedian is > 0 && median is > 0 ? (probeMedian.Value / median.Value).ToString("P0") : "NA";
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;
}
