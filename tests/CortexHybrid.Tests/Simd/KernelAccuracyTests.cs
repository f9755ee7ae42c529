using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Simd;

/// <summary>Every backend against the f64 reference (tolerances in <see cref="Reference"/>).</summary>
public class KernelAccuracyTests
{
    /// <summary>0..256, then the common embedding sizes and a large odd one.</summary>
    public static IEnumerable<int> Lengths => Enumerable.Range(0, 257).Concat([384, 768, 1536, 4099]);

    private static readonly float[] s_specials =
    [
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f,
        1e18f, -1e18f, 1e-40f, -float.Epsilon, float.MinValue / 1e20f,
    ];

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Pair_operations_match_the_reference_at_every_length_and_unaligned_offset(string backend)
    {
        ISimilarityKernel kernel = Backends.Get(backend);
        var random = new Random(1);
        foreach (int n in Lengths)
        {
            foreach (int offset in new[] { 0, 1, 3, 7 })
            {
                // Slices of larger arrays, starting at odd offsets: loads are unaligned.
                float[] backingX = Reference.RandomVector(random, n + offset + 5);
                float[] backingY = Reference.RandomVector(random, n + offset + 5);
                CheckPair(kernel, backingX.AsSpan(offset, n), backingY.AsSpan(offset + 1, n), $"{backend} n={n} offset={offset}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void NaN_infinities_signed_zeros_huge_and_denormal_entries_propagate_like_IEEE(string backend)
    {
        ISimilarityKernel kernel = Backends.Get(backend);
        var random = new Random(2);
        foreach (int n in new[] { 1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 127, 384, 1536 })
        {
            foreach (float special in s_specials)
            {
                for (int trial = 0; trial < 4; trial++)
                {
                    float[] x = Reference.RandomVector(random, n);
                    float[] y = Reference.RandomVector(random, n);
                    int at = random.Next(n);
                    x[at] = special;
                    CheckPair(kernel, x, y, $"{backend} n={n} x[{at}]={special}");
                    CheckPair(kernel, y, x, $"{backend} n={n} y[{at}]={special}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Zero_vectors_give_cosine_zero_unless_the_other_holds_a_NaN(string backend)
    {
        ISimilarityKernel kernel = Backends.Get(backend);
        var random = new Random(3);
        foreach (int n in new[] { 1, 5, 9, 17, 100, 768 })
        {
            float[] zero = new float[n];
            float[] negativeZero = Enumerable.Repeat(-0f, n).ToArray();
            float[] other = Reference.RandomVector(random, n);
            Assert.Equal(0f, kernel.Cosine(zero, other));
            Assert.Equal(0f, kernel.Cosine(other, negativeZero));
            Assert.Equal(0f, kernel.Cosine(zero, zero));
            Assert.Equal(0f, kernel.Dot(zero, other));

            float[] withNaN = (float[])other.Clone();
            withNaN[n / 2] = float.NaN;
            Assert.True(float.IsNaN(kernel.Cosine(zero, withNaN)), $"{backend} n={n}: cosine(zero, NaN) must be NaN");
            float[] withInfinity = (float[])other.Clone();
            withInfinity[n - 1] = float.PositiveInfinity;
            Assert.True(float.IsNaN(kernel.Cosine(withInfinity, zero)), $"{backend} n={n}: cosine(∞, zero) is 0·∞ = NaN");
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Cosine_is_scale_invariant_across_the_whole_f32_range(string backend)
    {
        ISimilarityKernel kernel = Backends.Get(backend);
        var random = new Random(4);
        foreach (int n in new[] { 1, 5, 16, 100, 768 })
        {
            float[] x = Reference.RandomVector(random, n);
            float[] y = Reference.RandomVector(random, n);
            double expected = Reference.Cosine(x, y);

            // Squares of 1e-25 underflow f32 to 0 and squares of 1e25 overflow it: the kernels must
            // notice and still give the cosine of the unscaled vectors.
            foreach (float scale in new[] { 1e-25f, 1e-20f, 1e-12f, 1f, 1e12f, 1e20f, 1e25f, 1e30f })
            {
                float[] scaled = x.Select(v => v * scale).ToArray();
                Reference.AssertClose(kernel.Cosine(scaled, y), expected, Reference.CosineTolerance, $"{backend} n={n} scale={scale}");
                Reference.AssertClose(kernel.Cosine(y, scaled), expected, Reference.CosineTolerance, $"{backend} n={n} scale={scale} (swapped)");
            }

            // Entirely denormal vectors still have a direction.
            float[] denormal = x.Select(v => v * 1e-40f).ToArray();
            CheckPair(kernel, denormal, y, $"{backend} n={n} denormal x");
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Cosine_stays_within_minus_one_and_one(string backend)
    {
        ISimilarityKernel kernel = Backends.Get(backend);
        var random = new Random(5);
        foreach (int n in new[] { 1, 3, 16, 33, 384, 1536 })
        {
            for (int trial = 0; trial < 20; trial++)
            {
                float[] x = Reference.RandomVector(random, n);
                float[] negated = x.Select(v => -v).ToArray();
                float same = kernel.Cosine(x, x);
                float opposite = kernel.Cosine(x, negated);
                Assert.InRange(same, 1f - 1e-6f, 1f);
                Assert.InRange(opposite, -1f, -1f + 1e-6f);
            }
        }
    }

    internal static void CheckPair(ISimilarityKernel kernel, ReadOnlySpan<float> x, ReadOnlySpan<float> y, string what)
    {
        Reference.AssertDot(kernel.Dot(x, y), x, y, what);
        Reference.AssertCosine(kernel.Cosine(x, y), x, y, what);
        Reference.AssertSquaredEuclidean(kernel.SquaredEuclidean(x, y), x, y, what);
    }
}
