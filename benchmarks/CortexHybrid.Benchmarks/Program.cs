using BenchmarkDotNet.Running;

namespace CortexHybrid.Benchmarks;

/// <summary>Runs the suite; <c>--filter</c>, <c>--job</c> and the other BenchmarkDotNet arguments work.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
