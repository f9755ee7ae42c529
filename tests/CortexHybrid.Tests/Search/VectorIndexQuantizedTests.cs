using CortexHybrid.Search;
using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Search;

/// <summary>
/// Quantized storage: the rescored search equals the float32 index whenever every row is a
/// candidate; the quantized scan equals an independent reference of the documented scheme; the
/// int8 scales refit when rows drift; recall stays high at the default oversample; removal,
/// filtering, options and the footprint behave as documented.
/// </summary>
public class VectorIndexQuantizedTests
{
    public static TheoryData<VectorStorage, SimilarityMetric, string> StoragesMetricsAndKernels
    {
        get
        {
            var data = new TheoryData<VectorStorage, SimilarityMetric, string>();
            foreach (VectorStorage storage in new[] { VectorStorage.Int8, VectorStorage.BFloat16 })
            {
                foreach (SimilarityMetric metric in SearchKernels.AllMetrics)
                {
                    foreach (string kernel in SearchKernels.AvailableNames)
                    {
                        data.Add(storage, metric, kernel);
                    }
                }
            }

            return data;
        }
    }

    /// <summary>
    /// With an oversample as large as the index, every row is a candidate, so the rescored result
    /// must be the float32 index's result bit for bit, across dimensions, counts, k and batches
    /// (large enough for the search to be split into partitions).
    /// </summary>
    [Theory]
    [MemberData(nameof(StoragesMetricsAndKernels))]
    public void Rescoring_every_row_returns_the_float32_result_bit_for_bit(VectorStorage storage, SimilarityMetric metric, string kernelName)
    {
        ISimilarityKernel kernel = SearchKernels.Get(kernelName);
        var random = new Random(1800 + (int)metric + (10 * (int)storage));
        foreach ((int dimension, int count) in new[] { (1, 5), (7, 300), (17, 999), (64, 1000), (384, 1200) })
        {
            long[] ids = BruteForce.RandomIds(random, count);
            float[] rows = Scaled(random, BruteForce.RandomFloats(random, count * dimension), dimension, metric);
            using var exact = new VectorIndex(dimension, metric, kernel);
            using var quantized = new VectorIndex(dimension, metric, kernel, new VectorStorageOptions { Storage = storage, Oversample = VectorStorageOptions.MaxOversample });
            exact.AddRange(ids, rows);
            quantized.AddRange(ids, rows);
            Assert.True(quantized.ExactScores);
            foreach (int k in new[] { 1, 3, count })
            {
                float[] queries = BruteForce.RandomFloats(random, 17 * dimension);
                SearchResult[][] expected = exact.SearchBatch(queries, k);
                SearchResult[][] actual = quantized.SearchBatch(queries, k);
                for (int q = 0; q < expected.Length; q++)
                {
                    BruteForce.AssertIdentical(expected[q], actual[q], $"{storage} {metric} {kernelName} d={dimension} n={count} k={k} q={q}");
                }

                BruteForce.AssertIdentical(exact.Search(queries.AsSpan(0, dimension), k), quantized.Search(queries.AsSpan(0, dimension), k), $"single {storage} {metric} d={dimension}");
            }
        }
    }

    /// <summary>
    /// Without full-precision rows the scores are the quantized keys; they must equal an
    /// independent, double-precision evaluation of the documented scheme (per-dimension int8
    /// scales from the largest magnitudes, or bfloat16 rounding to nearest even), and the ranking
    /// must follow it.
    /// </summary>
    [Theory]
    [MemberData(nameof(StoragesMetricsAndKernels))]
    public void Without_full_precision_the_scores_are_the_documented_quantized_estimates(VectorStorage storage, SimilarityMetric metric, string kernelName)
    {
        ISimilarityKernel kernel = SearchKernels.Get(kernelName);
        var random = new Random(1900 + (int)metric + (10 * (int)storage));
        const int Dimension = 48, Count = 700;
        long[] ids = BruteForce.RandomIds(random, Count);
        float[] rows = Scaled(random, BruteForce.RandomFloats(random, Count * Dimension), Dimension, metric);
        using var index = new VectorIndex(Dimension, metric, kernel, new VectorStorageOptions { Storage = storage, KeepFullPrecision = false });
        index.AddRange(ids, rows);
        Assert.False(index.ExactScores);
        var reference = new QuantizedReference(storage, metric, Dimension, rows);
        for (int q = 0; q < 20; q++)
        {
            float[] query = BruteForce.RandomFloats(random, Dimension);
            SearchResult[] hits = index.Search(query, 10);
            Assert.Equal(10, hits.Length);
            double[] scores = [.. Enumerable.Range(0, Count).Select(r => reference.Score(query, r))];
            double scale = scores.Max(Math.Abs) + 1;
            foreach (SearchResult hit in hits)
            {
                double expected = scores[Array.IndexOf(ids, hit.Id)];
                Assert.True(Math.Abs(hit.Score - expected) <= 1e-5 * scale, $"{storage} {metric} {kernelName}: id {hit.Id} scored {hit.Score}, the scheme gives {expected}");
            }

            // Best first, and nothing left out scores clearly better than the last hit.
            bool higher = BruteForce.HigherIsBetter(metric);
            Assert.True(hits.Zip(hits.Skip(1)).All(p => higher ? p.First.Score >= p.Second.Score : p.First.Score <= p.Second.Score));
            double last = scores[Array.IndexOf(ids, hits[^1].Id)];
            var returned = hits.Select(h => h.Id).ToHashSet();
            for (int r = 0; r < Count; r++)
            {
                if (!returned.Contains(ids[r]))
                {
                    Assert.True(higher ? scores[r] <= last + (1e-5 * scale) : scores[r] >= last - (1e-5 * scale), $"row {ids[r]} ({scores[r]}) beats the last hit ({last})");
                }
            }
        }
    }

    /// <summary>On clustered data like embeddings, the default oversample finds the float32 top 10 almost always.</summary>
    [Theory]
    [InlineData(VectorStorage.Int8, 0.97)]
    [InlineData(VectorStorage.BFloat16, 0.99)]
    public void The_default_oversample_recalls_the_float32_top_10(VectorStorage storage, double floor)
    {
        var random = new Random(2000);
        const int Dimension = 96, Count = 5000;
        float[] rows = Clustered(random, Count, Dimension, clusters: 40);
        long[] ids = [.. Enumerable.Range(0, Count).Select(i => (long)i)];
        using var exact = new VectorIndex(Dimension);
        using var quantized = new VectorIndex(Dimension, SimilarityMetric.Cosine, null, new VectorStorageOptions { Storage = storage });
        exact.AddRange(ids, rows);
        quantized.AddRange(ids, rows);
        float[] queries = Clustered(random, 200, Dimension, clusters: 40);
        SearchResult[][] truth = exact.SearchBatch(queries, 10);
        SearchResult[][] found = quantized.SearchBatch(queries, 10);
        double recall = truth.Zip(found).Average(p => p.First.Select(h => h.Id).Intersect(p.Second.Select(h => h.Id)).Count() / 10.0);
        Assert.True(recall >= floor, $"{storage} recall@10 {recall:F4} at oversample {quantized.Oversample}, floor {floor}");
    }

    /// <summary>
    /// Rows that fall outside the fitted int8 scales are clamped and counted; once more than 1% of
    /// the rows are, the scales refit and every row is requantized, with or without the
    /// full-precision rows, so a large new value is represented again.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Int8_scales_refit_when_new_rows_drift_outside_them(bool keepFullPrecision)
    {
        const int Dimension = 8;
        using var index = new VectorIndex(Dimension, SimilarityMetric.DotProduct, null, new VectorStorageOptions { Storage = VectorStorage.Int8, KeepFullPrecision = keepFullPrecision });
        var random = new Random(2100);
        index.AddRange([.. Enumerable.Range(0, 200).Select(i => (long)i)], BruteForce.RandomFloats(random, 200 * Dimension).Select(x => x * 0.5f).ToArray());
        Assert.Equal(1, index.Int8Fits);
        float fitted = index.Int8Maxima[3];
        Assert.True(fitted <= 0.5f);

        // Two rows reaching 8 in dimension 3 are 1% of 200 (clamped, no refit yet); the third passes 1%.
        for (int i = 0; i < 3; i++)
        {
            float[] big = new float[Dimension];
            big[3] = 8f;
            index.Add(1000 + i, big);
            Assert.Equal(i < 2 ? 1 : 2, index.Int8Fits);
        }

        Assert.Equal(8f, index.Int8Maxima[3]);

        // After the refit the big rows score 8·q[3] again, not the clamped 0.5·q[3].
        float[] query = new float[Dimension];
        query[3] = 1f;
        SearchResult[] hits = index.Search(query, 3);
        Assert.Equal([1000L, 1001, 1002], hits.Select(h => h.Id).Order());
        Assert.All(hits, h => Assert.Equal(8f, h.Score, 8f * 0.01f));
    }

    [Fact]
    public void Removing_rows_keeps_the_quantized_rows_in_step()
    {
        var random = new Random(2200);
        const int Dimension = 32, Count = 600;
        long[] ids = BruteForce.RandomIds(random, Count);
        float[] rows = BruteForce.RandomFloats(random, Count * Dimension);
        foreach (VectorStorage storage in new[] { VectorStorage.Int8, VectorStorage.BFloat16 })
        {
            using var exact = new VectorIndex(Dimension);
            using var quantized = new VectorIndex(Dimension, SimilarityMetric.Cosine, null, new VectorStorageOptions { Storage = storage, Oversample = VectorStorageOptions.MaxOversample });
            using var codesOnly = new VectorIndex(Dimension, SimilarityMetric.Cosine, null, new VectorStorageOptions { Storage = storage, KeepFullPrecision = false });
            exact.AddRange(ids, rows);
            quantized.AddRange(ids, rows);
            codesOnly.AddRange(ids, rows);
            SearchResult[] before = codesOnly.Search(rows.AsSpan(0, Dimension), Count);
            foreach (long id in ids.Where((_, i) => i % 3 != 1))
            {
                Assert.True(exact.Remove(id));
                Assert.True(quantized.Remove(id));
                Assert.True(codesOnly.Remove(id));
            }

            float[] query = BruteForce.RandomFloats(random, Dimension);
            BruteForce.AssertIdentical(exact.Search(query, 50), quantized.Search(query, 50), storage.ToString());

            // The codes that remain are the ones each id had: its estimate does not change.
            var remaining = ids.Where((_, i) => i % 3 == 1).ToHashSet();
            SearchResult[] after = codesOnly.Search(rows.AsSpan(0, Dimension), Count);
            Assert.Equal(remaining.Count, after.Length);
            Assert.Equal(before.Where(h => remaining.Contains(h.Id)), after);
        }
    }

    [Fact]
    public void Filtered_search_scores_candidates_exactly_or_by_their_codes()
    {
        var random = new Random(2300);
        const int Dimension = 24, Count = 400;
        long[] ids = BruteForce.RandomIds(random, Count);
        float[] rows = BruteForce.RandomFloats(random, Count * Dimension);
        using var exact = new VectorIndex(Dimension);
        using var quantized = new VectorIndex(Dimension, SimilarityMetric.Cosine, null, new VectorStorageOptions { Storage = VectorStorage.Int8 });
        using var codesOnly = new VectorIndex(Dimension, SimilarityMetric.Cosine, null, new VectorStorageOptions { Storage = VectorStorage.Int8, KeepFullPrecision = false });
        exact.AddRange(ids, rows);
        quantized.AddRange(ids, rows);
        codesOnly.AddRange(ids, rows);
        float[] query = BruteForce.RandomFloats(random, Dimension);
        SearchResult[] unfiltered = codesOnly.Search(query, Count);
        foreach (int size in new[] { 10, 300 })
        {
            var candidates = ids.Take(size).Append(-424242).ToHashSet();
            BruteForce.AssertIdentical(exact.Search(query, 5, candidates), quantized.Search(query, 5, candidates), $"with floats, {size} candidates");
            SearchResult[] filtered = codesOnly.Search(query, 5, candidates);
            Assert.Equal(unfiltered.Where(h => candidates.Contains(h.Id)).Take(5), filtered);
        }
    }

    [Fact]
    public void MemoryBytes_counts_codes_and_drops_the_floats_when_asked()
    {
        const int Dimension = 384, Count = 2000;
        var random = new Random(2400);
        float[] rows = BruteForce.RandomFloats(random, Count * Dimension);
        long[] ids = [.. Enumerable.Range(0, Count).Select(i => (long)i)];
        long Footprint(VectorStorageOptions options)
        {
            using var index = new VectorIndex(Dimension, SimilarityMetric.Cosine, null, options);
            index.EnsureCapacity(Count);
            index.AddRange(ids, rows);
            return index.MemoryBytes;
        }

        long float32 = Footprint(new VectorStorageOptions());
        Assert.Equal(Count * ((Dimension * 4L) + 12), float32);
        Assert.Equal(Count * ((Dimension * 5L) + 16), Footprint(new VectorStorageOptions { Storage = VectorStorage.Int8 }));
        Assert.Equal(Count * ((Dimension * 6L) + 16), Footprint(new VectorStorageOptions { Storage = VectorStorage.BFloat16 }));
        Assert.Equal(Count * (Dimension + 16L), Footprint(new VectorStorageOptions { Storage = VectorStorage.Int8, KeepFullPrecision = false }));
        Assert.Equal(Count * ((Dimension * 2L) + 16), Footprint(new VectorStorageOptions { Storage = VectorStorage.BFloat16, KeepFullPrecision = false }));
    }

    [Fact]
    public void Bad_options_are_refused_with_the_setting_named()
    {
        Assert.Equal("Oversample", Assert.Throws<ArgumentOutOfRangeException>(() => new VectorIndex(8, SimilarityMetric.Cosine, null, new VectorStorageOptions { Storage = VectorStorage.Int8, Oversample = -1 })).ParamName);
        Assert.Equal("Oversample", Assert.Throws<ArgumentOutOfRangeException>(() => new VectorIndex(8, SimilarityMetric.Cosine, null, new VectorStorageOptions { Storage = VectorStorage.Int8, Oversample = VectorStorageOptions.MaxOversample + 1 })).ParamName);
        Assert.Equal("Storage", Assert.Throws<ArgumentOutOfRangeException>(() => new VectorIndex(8, SimilarityMetric.Cosine, null, new VectorStorageOptions { Storage = (VectorStorage)7 })).ParamName);
        Assert.Equal("KeepFullPrecision", Assert.Throws<ArgumentException>(() => new VectorIndex(8, SimilarityMetric.Cosine, null, new VectorStorageOptions { KeepFullPrecision = false })).ParamName);
        Assert.Equal("dimension", Assert.Throws<ArgumentOutOfRangeException>(() => new VectorIndex(VectorIndex.MaxInt8Dimension + 1, SimilarityMetric.Cosine, null, new VectorStorageOptions { Storage = VectorStorage.Int8 })).ParamName);
        using var bf16 = new VectorIndex(VectorIndex.MaxInt8Dimension + 1, SimilarityMetric.Cosine, null, new VectorStorageOptions { Storage = VectorStorage.BFloat16 });
        Assert.Equal(VectorStorageOptions.DefaultBFloat16Oversample, bf16.Oversample);
        using var int8 = new VectorIndex(8, SimilarityMetric.Cosine, null, new VectorStorageOptions { Storage = VectorStorage.Int8 });
        Assert.Equal(VectorStorageOptions.DefaultInt8Oversample, int8.Oversample);
        using var float32 = new VectorIndex(8);
        Assert.Equal((VectorStorage.Float32, 1, true), (float32.Storage, float32.Oversample, float32.ExactScores));
    }

    /// <summary>Rows with lengths that vary for the dot product (so it differs from cosine), as given otherwise.</summary>
    internal static float[] Scaled(Random random, float[] rows, int dimension, SimilarityMetric metric)
    {
        if (metric == SimilarityMetric.DotProduct)
        {
            for (int r = 0; r < rows.Length / dimension; r++)
            {
                float magnitude = (float)(0.1 + (random.NextDouble() * 4));
                for (int i = 0; i < dimension; i++)
                {
                    rows[(r * dimension) + i] *= magnitude;
                }
            }
        }

        return rows;
    }

    /// <summary>Gaussian clusters around random centres, like sentence embeddings of a few topics.</summary>
    internal static float[] Clustered(Random random, int count, int dimension, int clusters)
    {
        var centres = new float[clusters][];
        var centreRandom = new Random(77);
        for (int c = 0; c < clusters; c++)
        {
            centres[c] = [.. Enumerable.Range(0, dimension).Select(_ => (float)Gaussian(centreRandom))];
        }

        var rows = new float[count * dimension];
        for (int r = 0; r < count; r++)
        {
            float[] centre = centres[random.Next(clusters)];
            for (int i = 0; i < dimension; i++)
            {
                rows[(r * dimension) + i] = centre[i] + (float)(0.6 * Gaussian(random));
            }
        }

        return rows;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
