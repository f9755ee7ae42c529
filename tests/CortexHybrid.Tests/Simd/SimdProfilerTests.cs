using CortexHybrid.Simd;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Simd;

/// <summary>
/// The profiler's arithmetic, on a fake clock that only the fake kernels advance: no wall-clock
/// timing is asserted.
/// </summary>
public class SimdProfilerTests
{
    [Theory]
    [InlineData(SimilarityOperation.Dot)]
    [InlineData(SimilarityOperation.Cosine)]
    [InlineData(SimilarityOperation.SquaredEuclidean)]
    [InlineData(SimilarityOperation.DotBatch)]
    [InlineData(SimilarityOperation.CosineBatch)]
    public void Speedup_is_baseline_time_over_candidate_time(SimilarityOperation operation)
    {
        var clock = new FakeTimeProvider();
        var slow = new ClockedKernel(clock, "slow", TimeSpan.FromTicks(3)); // 300 ns a call
        var fast = new ClockedKernel(clock, "fast", TimeSpan.FromTicks(1)); // 100 ns a call
        SimdSpeedup result = new SimdProfiler(clock) { JitWarmup = TimeSpan.Zero }.Compare(slow, fast, operation, dimension: 48, iterations: 40, rounds: 3);

        Assert.Equal(300, result.BaselineNanoseconds, 6);
        Assert.Equal(100, result.CandidateNanoseconds, 6);
        Assert.Equal(3, result.Speedup, 9);
        Assert.Equal(operation, result.Operation);
        Assert.Equal(48, result.Dimension);
        Assert.Equal("slow", result.Baseline);
        Assert.Equal("fast", result.Candidate);

        // A warm-up of iterations / 4, then rounds x iterations, each kernel, one call per operation.
        Assert.Equal(10 + (3 * 40), slow.Calls);
        Assert.Equal(10 + (3 * 40), fast.Calls);
        Assert.Equal(operation, slow.LastOperation);
    }

    [Fact]
    public void Measure_reports_the_median_round_per_kernel_in_order()
    {
        var clock = new FakeTimeProvider();
        var a = new ClockedKernel(clock, "a", TimeSpan.FromTicks(2));
        var b = new ClockedKernel(clock, "b", TimeSpan.FromTicks(5));
        var c = new ClockedKernel(clock, "c", TimeSpan.FromTicks(1));

        // b is disturbed for all of its third round (calls 16-22, after 1 warm-up call and two
        // rounds of 7): a noisy neighbour. The median ignores it.
        b.SlowCallsAt = 1 + (2 * 7);
        double[] medians = new SimdProfiler(clock) { JitWarmup = TimeSpan.Zero }.Measure([a, b, c], SimilarityOperation.Dot, dimension: 8, iterations: 7, rounds: 5);

        Assert.Equal([200.0, 500.0, 100.0], medians.Select(m => Math.Round(m, 6)));
    }

    [Fact]
    public void The_first_measurement_of_a_kernel_and_operation_warms_up_until_the_jit_warmup_has_passed_and_later_ones_do_not()
    {
        var clock = new FakeTimeProvider();
        var a = new ClockedKernel(clock, "a", TimeSpan.FromTicks(2)); // 200 ns a call
        var b = new ClockedKernel(clock, "b", TimeSpan.FromTicks(3)); // 300 ns a call
        var profiler = new SimdProfiler(clock) { JitWarmup = TimeSpan.FromTicks(100) }; // 10 µs

        // Passes of 2 calls each (iterations / 4) on a and b, 1 µs a pass, until 10 µs have passed: 10 passes.
        profiler.Measure([a, b], SimilarityOperation.Dot, dimension: 8, iterations: 8, rounds: 1);
        Assert.Equal((10 * 2) + 8, a.Calls);
        Assert.Equal((10 * 2) + 8, b.Calls);

        // The same kernels and operation again: one pass only. Another operation: the full warm-up.
        profiler.Measure([a, b], SimilarityOperation.Dot, dimension: 8, iterations: 8, rounds: 1);
        Assert.Equal(28 + 2 + 8, a.Calls);
        profiler.Measure([a, b], SimilarityOperation.Cosine, dimension: 8, iterations: 8, rounds: 1);
        Assert.Equal(38 + (10 * 2) + 8, a.Calls);

        // A kernel not measured before warms the whole set up again.
        var c = new ClockedKernel(clock, "c", TimeSpan.FromTicks(5));
        profiler.Measure([a, c], SimilarityOperation.Dot, dimension: 8, iterations: 8, rounds: 1);
        Assert.Equal((8 * 2) + 8, c.Calls); // 1.4 µs a pass: 7 passes reach only 9.8 µs, 8 reach 11.2
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(60_001)]
    public void A_jit_warmup_below_zero_or_above_a_minute_is_rejected(int milliseconds)
    {
        var thrown = Assert.Throws<ArgumentOutOfRangeException>("JitWarmup", () => new SimdProfiler { JitWarmup = TimeSpan.FromMilliseconds(milliseconds) });
        Assert.Contains("from zero to one minute", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var profiler = new SimdProfiler();
        ISimilarityKernel kernel = SimilarityKernels.Scalar;
        Assert.Throws<ArgumentNullException>(() => profiler.Compare(null!, kernel));
        Assert.Throws<ArgumentNullException>(() => profiler.Compare(kernel, null!));
        Assert.Throws<ArgumentNullException>(() => profiler.Measure([kernel, null!]));
        Assert.Throws<ArgumentOutOfRangeException>(() => profiler.Compare(kernel, kernel, dimension: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => profiler.Compare(kernel, kernel, iterations: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => profiler.Compare(kernel, kernel, rounds: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => profiler.Compare(kernel, kernel, (SimilarityOperation)42));
    }

    [Fact]
    public void With_the_real_clock_the_ratio_is_of_the_two_medians()
    {
        SimdSpeedup result = new SimdProfiler().Compare(SimilarityKernels.Scalar, SimilarityKernels.Managed, SimilarityOperation.Dot, 256, iterations: 200, rounds: 3);
        Assert.True(result.BaselineNanoseconds > 0 && double.IsFinite(result.BaselineNanoseconds));
        Assert.True(result.CandidateNanoseconds > 0 && double.IsFinite(result.CandidateNanoseconds));
        Assert.Equal(result.BaselineNanoseconds / result.CandidateNanoseconds, result.Speedup);
    }

    /// <summary>A kernel whose every call advances the fake clock by a fixed amount.</summary>
    private sealed class ClockedKernel(FakeTimeProvider clock, string name, TimeSpan perCall) : ISimilarityKernel
    {
        public int Calls { get; private set; }

        public SimilarityOperation? LastOperation { get; private set; }

        /// <summary>The call number (1-based) after which the next 7 calls take ten times longer.</summary>
        public int SlowCallsAt { get; set; } = int.MaxValue;

        public KernelBackend Backend => KernelBackend.Scalar;

        public string Description => name;

        public float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => Call(SimilarityOperation.Dot);

        public float Cosine(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => Call(SimilarityOperation.Cosine);

        public float SquaredEuclidean(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => Call(SimilarityOperation.SquaredEuclidean);

        public void DotBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination) => Call(SimilarityOperation.DotBatch);

        public void CosineBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination) => Call(SimilarityOperation.CosineBatch);

        private float Call(SimilarityOperation operation)
        {
            Calls++;
            LastOperation = operation;
            bool disturbed = Calls > SlowCallsAt && Calls <= SlowCallsAt + 7;
            clock.Advance(disturbed ? perCall * 10 : perCall);
            return 1f;
        }
    }
}
