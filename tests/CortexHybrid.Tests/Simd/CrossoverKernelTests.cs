using System.Globalization;
using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Simd;

/// <summary>
/// The crossover kernel (<see cref="SimilarityKernels.Default"/> where the native library loads):
/// managed below <see cref="SimilarityKernels.NativeCrossover"/> floats, native from there, for
/// pairs and batches alike, within the reference tolerances on each side, and saying so.
/// </summary>
public class CrossoverKernelTests
{
    private static readonly ISimilarityKernel s_crossover = Backends.Get("crossover");
    private static readonly ISimilarityKernel s_managed = SimilarityKernels.Managed;
    private static readonly ISimilarityKernel s_native = Backends.Get("native");

    /// <summary>Both sides of the crossover, and the edges of each side.</summary>
    public static TheoryData<int> LengthsAround => new()
    {
        1, 16, SimilarityKernels.NativeCrossover - 17, SimilarityKernels.NativeCrossover - 1,
        SimilarityKernels.NativeCrossover, SimilarityKernels.NativeCrossover + 1, SimilarityKernels.NativeCrossover + 16, 1536,
    };

    [Theory]
    [MemberData(nameof(LengthsAround))]
    public void Pairs_take_the_kernel_their_length_calls_for_and_meet_the_reference(int n)
    {
        ISimilarityKernel expected = n < SimilarityKernels.NativeCrossover ? s_managed : s_native;
        var random = new Random(n);
        for (int trial = 0; trial < 20; trial++)
        {
            int offset = trial % 4;
            float[] x = Reference.RandomVector(random, n + offset);
            float[] y = Reference.RandomVector(random, n + 3);
            ReadOnlySpan<float> a = x.AsSpan(offset, n), b = y.AsSpan(3, n);
            string what = $"n={n} trial {trial}";

            float dot = s_crossover.Dot(a, b), cosine = s_crossover.Cosine(a, b), distance = s_crossover.SquaredEuclidean(a, b);
            Reference.AssertDot(dot, a, b, what);
            Reference.AssertCosine(cosine, a, b, what);
            Reference.AssertSquaredEuclidean(distance, a, b, what);
            AssertSameBits(expected.Dot(a, b), dot, $"dot {what}");
            AssertSameBits(expected.Cosine(a, b), cosine, $"cosine {what}");
            AssertSameBits(expected.SquaredEuclidean(a, b), distance, $"squared Euclidean {what}");
        }
    }

    [Fact]
    public void The_two_sides_really_differ_so_the_routing_tests_can_tell_them_apart()
    {
        // Managed and native add in different orders: on random inputs some results differ in the
        // last bits on each side of the crossover. Were they always equal, the bit-for-bit checks
        // above would prove nothing about which kernel ran.
        foreach (int n in new[] { SimilarityKernels.NativeCrossover - 1, SimilarityKernels.NativeCrossover })
        {
            var random = new Random(100 + n);
            int differing = 0;
            for (int trial = 0; trial < 50; trial++)
            {
                float[] x = Reference.RandomVector(random, n), y = Reference.RandomVector(random, n);
                differing += s_managed.Dot(x, y) != s_native.Dot(x, y) ? 1 : 0;
            }

            Assert.True(differing > 0, $"n={n}: managed and native dot agreed bit for bit on all 50 inputs");
        }
    }

    [Theory]
    [MemberData(nameof(LengthsAround))]
    public void Batches_go_by_their_dimension_and_equal_the_pair_results(int dimension)
    {
        ISimilarityKernel expected = dimension < SimilarityKernels.NativeCrossover ? s_managed : s_native;
        var random = new Random(1000 + dimension);
        const int count = 7;
        float[] query = Reference.RandomVector(random, dimension);
        float[] rows = Reference.RandomVector(random, dimension * count);
        var dots = new float[count];
        var cosines = new float[count];
        var expectedDots = new float[count];
        var expectedCosines = new float[count];
        s_crossover.DotBatch(query, rows, dots);
        s_crossover.CosineBatch(query, rows, cosines);
        expected.DotBatch(query, rows, expectedDots);
        expected.CosineBatch(query, rows, expectedCosines);
        for (int r = 0; r < count; r++)
        {
            ReadOnlySpan<float> row = rows.AsSpan(r * dimension, dimension);
            string what = $"d={dimension} row {r}";
            Reference.AssertDot(dots[r], query, row, what);
            Reference.AssertCosine(cosines[r], query, row, what);
            AssertSameBits(expectedDots[r], dots[r], $"batch dot {what}");
            AssertSameBits(expectedCosines[r], cosines[r], $"batch cosine {what}");
            AssertSameBits(s_crossover.Dot(query, row), dots[r], $"batch dot equals pair dot, {what}");
            AssertSameBits(s_crossover.Cosine(query, row), cosines[r], $"batch cosine equals pair cosine, {what}");
        }
    }

    [Fact]
    public void Backend_and_description_tell_the_truth()
    {
        // Native: VectorIndex runs its scans and top-k in Rust for this kernel, and batches of the
        // usual embedding sizes go there too.
        Assert.Equal(KernelBackend.Native, s_crossover.Backend);
        Assert.StartsWith(s_native.Description, s_crossover.Description, StringComparison.Ordinal);
        Assert.Contains(s_managed.Description, s_crossover.Description, StringComparison.Ordinal);
        Assert.Contains(
            $"below {SimilarityKernels.NativeCrossover.ToString(CultureInfo.InvariantCulture)} floats",
            s_crossover.Description,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_are_checked_on_both_sides()
    {
        int below = SimilarityKernels.NativeCrossover - 1, above = SimilarityKernels.NativeCrossover;
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => s_crossover.Dot(new float[below], new float[below + 1])).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => s_crossover.Cosine(new float[above], new float[above - 1])).ParamName);
        Assert.Equal("rows", Assert.Throws<ArgumentException>(() => s_crossover.CosineBatch(new float[below], new float[below + 1], new float[1])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => s_crossover.DotBatch(new float[above], new float[above * 2], new float[1])).ParamName);
    }

    private static void AssertSameBits(float expected, float actual, string what) =>
        Assert.True(
            BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
            $"{what}: {actual:R}, the routed kernel gives {expected:R}");
}
