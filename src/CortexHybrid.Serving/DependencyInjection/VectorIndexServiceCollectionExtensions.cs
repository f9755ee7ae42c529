using CortexHybrid.Hosting;
using CortexHybrid.Search;
using CortexHybrid.Simd;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a <see cref="VectorIndex"/> and the <see cref="QueryBatcher"/> over it.</summary>
public static class VectorIndexServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="VectorIndex"/> (empty, or loaded from
    /// <see cref="VectorIndexOptions.IndexFile"/>) and a singleton <see cref="QueryBatcher"/> over it,
    /// with options validated when the host starts. The kernel is the container's
    /// <see cref="ISimilarityKernel"/> when one is registered, else <see cref="SimilarityKernels.Default"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options (at least <see cref="VectorIndexOptions.Dimension"/> or <see cref="VectorIndexOptions.IndexFile"/>, here or from configuration).</param>
    /// <returns>A builder for the rest of the index's configuration.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    /// <remarks>
    /// Loading a saved index that is corrupt or of another dimension than the one configured throws
    /// when the index is first resolved (<see cref="InvalidDataException"/>, <see cref="InvalidOperationException"/>).
    /// </remarks>
    public static VectorIndexBuilder AddVectorIndex(this IServiceCollection services, Action<VectorIndexOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<VectorIndexOptions> options = services.AddOptions<VectorIndexOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        var validator = new SettingsValidator<VectorIndexOptions>(Options.Options.DefaultName, "VectorIndex", static o => o.Check());
        services.AddSingleton<IValidateOptions<VectorIndexOptions>>(validator);
        options.ValidateOnStart();
        services.AddSingleton(provider => CreateIndex(provider.GetRequiredService<IOptions<VectorIndexOptions>>().Value, Kernel(provider)));
        services.AddSingleton(provider =>
        {
            VectorIndexOptions settings = provider.GetRequiredService<IOptions<VectorIndexOptions>>().Value;
            return new QueryBatcher(provider.GetRequiredService<VectorIndex>(), settings.MaxBatchSize, settings.MaxBatchDelay, ServiceResolution.Time(provider));
        });
        services.AddSingleton(new MonitorAttachment((monitor, provider) => monitor.Attach(Kernel(provider))));
        return new VectorIndexBuilder(services, options, validator);
    }

    private static ISimilarityKernel Kernel(IServiceProvider provider) => provider.GetService<ISimilarityKernel>() ?? SimilarityKernels.Default;

    private static VectorIndex CreateIndex(VectorIndexOptions options, ISimilarityKernel kernel)
    {
        VectorIndex index;
        if (options.IndexFile is string file)
        {
            index = VectorIndex.Load(file, kernel);
            if (options.Dimension != 0 && options.Dimension != index.Dimension)
            {
                int loaded = index.Dimension;
                index.Dispose();
                throw new InvalidOperationException(
                    $"VectorIndexOptions.Dimension is {options.Dimension} but the saved index '{file}' holds {loaded}-dimensional vectors.");
            }
        }
        else
        {
            index = new VectorIndex(
                options.Dimension,
                options.Metric,
                kernel,
                new VectorStorageOptions { Storage = options.Storage, Oversample = options.Oversample, KeepFullPrecision = options.KeepFullPrecision });
        }

        if (options.MaxDegreeOfParallelism is int threads)
        {
            index.MaxDegreeOfParallelism = threads;
        }

        if (options.SignPrefilter > 0)
        {
            if (index.Metric != SimilarityMetric.Cosine)
            {
                SimilarityMetric metric = index.Metric;
                index.Dispose();
                throw new InvalidOperationException(
                    $"VectorIndexOptions.SignPrefilter is {options.SignPrefilter} but the saved index '{options.IndexFile}' scores by {metric}; the prefilter needs Cosine.");
            }

            index.SignPrefilter = options.SignPrefilter;
        }

        return index;
    }
}
