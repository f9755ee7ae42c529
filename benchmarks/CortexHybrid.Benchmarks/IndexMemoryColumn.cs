using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// MB (10^6 bytes) an index a benchmark searches holds, as its <c>MemoryBytes</c> gives it. The
/// column runs in BenchmarkDotNet's host process, not in the one that built the index, so the
/// benchmark supplies the figure and its GlobalSetup must check it against the built index.
/// </summary>
public sealed class IndexMemoryColumn(Func<BenchmarkCase, long?> memoryBytes) : IColumn
{
    public string Id => nameof(IndexMemoryColumn);

    public string ColumnName => "Index MB";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 1;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "VectorIndex.MemoryBytes of the index searched, in MB (10^6 bytes); checked against the built index in GlobalSetup";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        memoryBytes(benchmarkCase) is long bytes ? (bytes / 1e6).ToString("N1", CultureInfo.InvariantCulture) : "NA";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;
}
