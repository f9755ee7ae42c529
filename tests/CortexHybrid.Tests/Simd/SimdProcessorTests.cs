using System.Runtime.Intrinsics;
using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Simd;

/// <summary>The seed design's processor API over every kernel path.</summary>
public class SimdProcessorTests
{
    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Pair_methods_match_the_reference(string backend)
    {
        var processor = new SimdProcessor(Backends.Get(backend));
        var random = new Random(50);
        foreach (int n in new[] { 1, 7, 17, 384, 768 })
        {
            float[] x = Reference.RandomVector(random, n);
            float[] y = Reference.RandomVector(random, n);
            Reference.AssertDot(processor.DotProduct(x, y), x, y, $"{backend} n={n}");
            Reference.AssertCosine(processor.CosineSimilarity(x, y), x, y, $"{backend} n={n}");
        }

        Assert.Equal("y", Assert.Throws<ArgumentException>(() => processor.DotProduct([1f, 2f], [1f])).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => processor.CosineSimilarity([1f], [1f, 2f])).ParamName);
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Batch_over_separate_vectors_equals_the_kernel_per_vector(string backend)
    {
        ISimilarityKernel kernel = Backends.Get(backend);
        var processor = new SimdProcessor(kernel);
        var random = new Random(51);
        float[] query = Reference.RandomVector(random, 100);
        float[][] vectors = Enumerable.Range(0, 37).Select(_ => Reference.RandomVector(random, 100)).ToArray();
        vectors[5] = new float[100]; // a zero vector

        float[] result = processor.BatchCosineSimilarity(query, vectors);
        var destination = new float[vectors.Length];
        processor.BatchCosineSimilarity(query, vectors, destination);

        Assert.Equal(vectors.Length, result.Length);
        for (int i = 0; i < vectors.Length; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(kernel.Cosine(query, vectors[i])), BitConverter.SingleToInt32Bits(result[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(result[i]), BitConverter.SingleToInt32Bits(destination[i]));
            Reference.AssertCosine(result[i], query, vectors[i], $"{backend} vector {i}");
        }

        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => processor.BatchCosineSimilarity(query, vectors, new float[36])).ParamName);
    }

    [Theory]
    [InlineData(2_000, 384, -1)] // 768,000 floats: really parallel
    [InlineData(2_000, 384, 1)]
    [InlineData(2_000, 384, 2)]
    [InlineData(3, 16, -1)] // small: runs on the calling thread
    [InlineData(1, 1, 4)]
    public void Parallel_results_equal_serial_results_bit_for_bit(int count, int dimension, int degreeOfParallelism)
    {
        var random = new Random(52);
        float[] query = Reference.RandomVector(random, dimension);
        float[][] vectors = Enumerable.Range(0, count).Select(_ => Reference.RandomVector(random, dimension)).ToArray();
        foreach (string backend in new[] { "native", "managed512", "scalar" })
        {
            var processor = new SimdProcessor(Backends.Get(backend));
            float[] serial = processor.BatchCosineSimilarity(query, vectors);
            float[] parallel = processor.ParallelBatchCosineSimilarity(query, vectors, degreeOfParallelism);
            Assert.Equal(serial.Select(BitConverter.SingleToInt32Bits), parallel.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void Bad_batches_throw_before_any_work()
    {
        var processor = new SimdProcessor(SimilarityKernels.Managed);
        float[] query = [1, 2, 3];
        float[][] good = [[1, 0, 0], [0, 1, 0]];

        Assert.Equal("vectors", Assert.Throws<ArgumentNullException>(() => processor.BatchCosineSimilarity(query, null!)).ParamName);
        Assert.Equal("vectors", Assert.Throws<ArgumentNullException>(() => processor.ParallelBatchCosineSimilarity(query, null!)).ParamName);
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => processor.BatchCosineSimilarity([], good)).ParamName);
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => processor.ParallelBatchCosineSimilarity(Array.Empty<float>(), good)).ParamName);

        // The bad vector is the last of many: validation runs over all of them first.
        float[][] lateNull = [.. Enumerable.Repeat(new float[] { 1, 1, 1 }, 50_000), null!];
        ArgumentException nullVector = Assert.Throws<ArgumentException>(() => processor.ParallelBatchCosineSimilarity(query, lateNull));
        Assert.Equal("vectors", nullVector.ParamName);
        Assert.Contains("vectors[50000] is null", nullVector.Message);

        float[][] lateShort = [.. Enumerable.Repeat(new float[] { 1, 1, 1 }, 20), [1f, 2f]];
        ArgumentException shortVector = Assert.Throws<ArgumentException>(() => processor.BatchCosineSimilarity(query, lateShort));
        Assert.Equal("vectors", shortVector.ParamName);
        Assert.Contains("vectors[20] has 2 floats; the query has 3", shortVector.Message);
        var untouched = new float[21];
        Array.Fill(untouched, 42f);
        Assert.Throws<ArgumentException>(() => processor.BatchCosineSimilarity(query, lateShort, untouched));
        Assert.All(untouched, value => Assert.Equal(42f, value));

        Assert.Equal("degreeOfParallelism", Assert.Throws<ArgumentOutOfRangeException>(() => processor.ParallelBatchCosineSimilarity(query, good, 0)).ParamName);
        Assert.Equal("degreeOfParallelism", Assert.Throws<ArgumentOutOfRangeException>(() => processor.ParallelBatchCosineSimilarity(query, good, -2)).ParamName);
    }

    [Fact]
    public void An_empty_list_gives_an_empty_result()
    {
        var processor = new SimdProcessor(SimilarityKernels.Scalar);
        Assert.Empty(processor.BatchCosineSimilarity([1f], []));
        Assert.Empty(processor.ParallelBatchCosineSimilarity(new float[] { 1f }, []));
    }

    [Fact]
    public void The_processor_reports_its_kernel_and_whether_it_is_SIMD()
    {
        Assert.Throws<ArgumentNullException>(() => new SimdProcessor(null!));
        ISimilarityKernel native = Backends.Get("native");
        Assert.Same(native, new SimdProcessor(native).Kernel);
        Assert.True(new SimdProcessor(native).IsSimdAvailable);
        Assert.False(new SimdProcessor(SimilarityKernels.Scalar).IsSimdAvailable);
        Assert.Equal(Vector128.IsHardwareAccelerated, new SimdProcessor(SimilarityKernels.Managed).IsSimdAvailable);
    }
}
