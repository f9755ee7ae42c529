using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace CortexHybrid.Benchmarks;

/// <summary>GB/s: the bytes a benchmark reads per operation over its median time.</summary>
public sealed class ThroughputColumn(Func<BenchmarkCase, double> bytesPerOperation) : IColumn
{
    public string Id => nameof(ThroughputColumn);

    public string ColumnName => "GB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Bytes read per operation / median time, in GB/s (10^9 bytes)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? median = summary[benchmarkCase]?.ResultStatistics?.Median;
        return median is > 0 ? (bytesPerOperation(benchmarkCase) / median.Value).ToString("0.0") : "NA";
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;
}
