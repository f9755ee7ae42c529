using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Simd;

/// <summary>
/// Inputs ending exactly at an inaccessible page: a kernel whose tail reads past the end crashes
/// the test process (masked and overlapping tails must not).
/// </summary>
public class KernelBoundaryTests
{
    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void No_kernel_reads_past_the_end_of_its_input(string backend)
    {
        ISimilarityKernel kernel = Backends.Get(backend);
        var random = new Random(30);
        using var pageX = new GuardedMemory();
        using var pageY = new GuardedMemory();
        float[] destination = new float[2];
        for (int n = 1; n <= 130; n++)
        {
            Span<float> x = pageX.AtEnd(Reference.RandomVector(random, n));
            Span<float> y = pageY.AtEnd(Reference.RandomVector(random, n));
            KernelAccuracyTests.CheckPair(kernel, x, y, $"{backend} n={n} at a page end");
            kernel.DotBatch(x, y, destination.AsSpan(0, 1));
            kernel.CosineBatch(x, y, destination.AsSpan(0, 1));
            Assert.Equal(kernel.Cosine(x, y), destination[0]);
            if (n % 2 == 0)
            {
                // Two rows of n/2: the second row's tail is the edge.
                kernel.DotBatch(x[(n / 2)..], y, destination);
                kernel.CosineBatch(x[(n / 2)..], y, destination);
            }
        }
    }
}
