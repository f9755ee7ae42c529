using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Simd;

/// <summary>Bad input, empty input and allocation: the same behaviour on every backend.</summary>
public class KernelContractTests
{
    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mismatched_lengths_throw_naming_y(string backend)
    {
        ISimilarityKernel kernel = Backends.Get(backend);
        float[] three = [1, 2, 3], four = [1, 2, 3, 4];
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => kernel.Dot(three, four)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => kernel.Cosine(four, three)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => kernel.SquaredEuclidean(three, [])).ParamName);
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Empty_vectors_give_zero(string backend)
    {
        ISimilarityKernel kernel = Backends.Get(backend);
        Assert.Equal(0f, kernel.Dot([], []));
        Assert.Equal(0f, kernel.Cosine([], []));
        Assert.Equal(0f, kernel.SquaredEuclidean([], []));
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Bad_batches_throw_naming_the_parameter(string backend)
    {
        ISimilarityKernel kernel = Backends.Get(backend);
        float[] query = [1, 2, 3];
        float[] rows = [1, 2, 3, 4, 5, 6];
        foreach (Batch batch in new Batch[] { kernel.DotBatch, kernel.CosineBatch })
        {
            Assert.Equal("query", Assert.Throws<ArgumentException>(() => batch([], rows, new float[2])).ParamName);
            Assert.Equal("rows", Assert.Throws<ArgumentException>(() => batch(query, rows.AsSpan(0, 5), new float[2])).ParamName);
            Assert.Equal("destination", Assert.Throws<ArgumentException>(() => batch(query, rows, new float[1])).ParamName);
            Assert.Equal("destination", Assert.Throws<ArgumentException>(() => batch(query, rows, new float[3])).ParamName);

            // A destination overlapping an input would let a result overwrite data still to be read.
            float[] shared = [1, 2, 3, 4, 5, 6, 0, 0];
            Assert.Equal("destination", Assert.Throws<ArgumentException>(() => batch(query, shared.AsSpan(0, 6), shared.AsSpan(5, 2))).ParamName);
            Assert.Equal("destination", Assert.Throws<ArgumentException>(() => batch(shared.AsSpan(0, 3), rows, shared.AsSpan(2, 2))).ParamName);
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void No_operation_allocates(string backend)
    {
        ISimilarityKernel kernel = Backends.Get(backend);
        var random = new Random(20);
        float[] x = Reference.RandomVector(random, 768);
        float[] y = Reference.RandomVector(random, 768);
        float[] tiny = Reference.RandomVector(random, 768).Select(v => v * 1e-30f).ToArray(); // the f64 cosine path
        float[] rows = Reference.RandomVector(random, 768 * 8);
        float[] destination = new float[8];
        float[] longX = Reference.RandomVector(random, 10_000); // the native GC-transition path
        float[] longY = Reference.RandomVector(random, 10_000);

        void RunAll()
        {
            kernel.Dot(x, y);
            kernel.Cosine(x, y);
            kernel.Cosine(tiny, y);
            kernel.SquaredEuclidean(x, y);
            kernel.Dot(longX, longY);
            kernel.Cosine(longX, longY);
            kernel.DotBatch(x, rows, destination);
            kernel.CosineBatch(x, rows, destination);
        }

        RunAll(); // JIT, type initializers, library loading

        // Three windows of 100 rounds: an allocation per call shows in every one. A one-off by the
        // runtime on this thread while the methods are tiered up showed once (7,160 bytes in one
        // window of one CI run, with other tests compiling in parallel), so one clean window passes.
        long[] windows = new long[3];
        for (int w = 0; w < windows.Length; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++)
            {
                RunAll();
            }

            windows[w] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.True(windows.Min() == 0, $"{backend} allocated in every window: {string.Join(", ", windows)} bytes");
    }

    private delegate void Batch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, Span<float> destination);
}
