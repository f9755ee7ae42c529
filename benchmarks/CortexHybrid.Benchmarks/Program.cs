using BenchmarkDotNet.Running;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// Runs the suite; <c>--filter</c>, <c>--job</c> and the other BenchmarkDotNet arguments work.
/// <c>cache-hit-ratio [--traces DIR]</c> as the first argument runs <see cref="CacheHitRatio"/> instead;
/// <c>ann-compare [options]</c> runs <see cref="AnnCompare"/> (recall of quantized storage, USearch baseline).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == CacheHitRatio.Command)
        {
            return CacheHitRatio.Run(args[1..]);
        }

        if (args.Length > 0 && args[0] == AnnCompare.Command)
        {
            return AnnCompare.Run(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
