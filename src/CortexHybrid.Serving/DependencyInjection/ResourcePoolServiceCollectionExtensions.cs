using System.Diagnostics.CodeAnalysis;
using CortexHybrid.Hosting;
using CortexHybrid.Pooling;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="ResourcePool{T}"/> instances.</summary>
/// <remarks>
/// A registered pool is a singleton created empty (<see cref="ResourcePool{T}.Create"/>) and filled
/// to <see cref="ResourcePoolOptions.MinSize"/> by a hosted service when the host starts (the start
/// waits for that at most <see cref="ResourcePoolOptions.AcquireTimeout"/>; a factory that fails or
/// does not answer fails nothing, and the creations still running go on in the background); the
/// container disposes it, so dispose a hand-built provider with <c>DisposeAsync</c> (hosts do).
/// Options are validated when the host starts. The clock, logger and meter come from the
/// container's <see cref="TimeProvider"/>, <see cref="Logging.ILoggerFactory"/> and
/// <see cref="System.Diagnostics.Metrics.IMeterFactory"/> when registered.
/// </remarks>
public static class ResourcePoolServiceCollectionExtensions
{
    /// <summary>
    /// Registers the pool of <typeparamref name="T"/>, its resources made by <typeparamref name="TFactory"/>
    /// (a singleton, registered too unless it already is).
    /// </summary>
    /// <typeparam name="T">The pooled resource type.</typeparam>
    /// <typeparam name="TFactory">Creates, checks, resets and destroys the resources.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options; null for the defaults.</param>
    /// <returns>A builder for the rest of the pool's configuration.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static ResourcePoolBuilder<T> AddResourcePool<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFactory>(this IServiceCollection services, Action<ResourcePoolOptions>? configure = null)
        where TFactory : class, IResourceFactory<T>
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<TFactory>();
        return Add<T>(services, name: null, static provider => provider.GetRequiredService<TFactory>(), configure);
    }

    /// <summary>
    /// Registers a pool of <typeparamref name="T"/> under <paramref name="name"/> (a keyed service:
    /// several pools of one type, e.g. one per database); its <see cref="ResourcePoolOptions.Name"/>
    /// defaults to <paramref name="name"/>.
    /// </summary>
    /// <typeparam name="T">The pooled resource type.</typeparam>
    /// <typeparam name="TFactory">Creates, checks, resets and destroys the resources (a singleton, registered too unless it already is).</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="name">The pool's service key and options name; unique across pools.</param>
    /// <param name="configure">Sets the options; null for the defaults.</param>
    /// <returns>A builder for the rest of the pool's configuration.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public static ResourcePoolBuilder<T> AddResourcePool<T, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFactory>(this IServiceCollection services, string name, Action<ResourcePoolOptions>? configure = null)
        where TFactory : class, IResourceFactory<T>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        services.TryAddSingleton<TFactory>();
        return Add<T>(services, name, static provider => provider.GetRequiredService<TFactory>(), configure);
    }

    /// <summary>
    /// Registers a pool of <typeparamref name="T"/> whose resource factory <paramref name="factory"/>
    /// builds (for factories that need settings of their own, such as a connection string per pool).
    /// </summary>
    /// <typeparam name="T">The pooled resource type.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="name">The pool's service key and options name; null for the unnamed pool of <typeparamref name="T"/>.</param>
    /// <param name="factory">Builds the resource factory, once, from the container.</param>
    /// <param name="configure">Sets the options; null for the defaults.</param>
    /// <returns>A builder for the rest of the pool's configuration.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="factory"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    public static ResourcePoolBuilder<T> AddResourcePool<T>(
        this IServiceCollection services,
        string? name,
        Func<IServiceProvider, IResourceFactory<T>> factory,
        Action<ResourcePoolOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(factory);
        if (name is { Length: 0 })
        {
            throw new ArgumentException("A pool name must not be empty; pass null for the unnamed pool.", nameof(name));
        }

        return Add(services, name, factory, configure);
    }

    private static ResourcePoolBuilder<T> Add<T>(
        IServiceCollection services,
        string? name,
        Func<IServiceProvider, IResourceFactory<T>> factory,
        Action<ResourcePoolOptions>? configure)
    {
        string optionsName = name ?? typeof(T).FullName ?? typeof(T).Name;
        OptionsBuilder<ResourcePoolOptions> options = services.AddOptions<ResourcePoolOptions>(optionsName);
        options.Configure(o => o.Name = name ?? typeof(T).Name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        string component = name is null ? $"ResourcePool<{typeof(T).Name}>" : $"ResourcePool<{typeof(T).Name}> '{name}'";
        var validator = new SettingsValidator<ResourcePoolOptions>(optionsName, component, static o => o.Check());
        services.AddSingleton<IValidateOptions<ResourcePoolOptions>>(validator);
        options.ValidateOnStart();

        ServiceResolution.AddSingleton(services, name, provider => ResourcePool<T>.Create(
            factory(provider),
            provider.GetRequiredService<IOptionsMonitor<ResourcePoolOptions>>().Get(optionsName),
            ServiceResolution.Time(provider),
            ServiceResolution.Logger<ResourcePool<T>>(provider),
            ServiceResolution.Meters(provider)));
        services.AddSingleton<IHostedService>(provider => new ResourcePoolWarmup<T>(
            () => ServiceResolution.Resolve<ResourcePool<T>>(provider, name),
            () => provider.GetRequiredService<IOptionsMonitor<ResourcePoolOptions>>().Get(optionsName).AcquireTimeout,
            ServiceResolution.Time(provider) ?? TimeProvider.System));
        services.AddSingleton(new MonitorAttachment((monitor, provider) => monitor.Attach(ServiceResolution.Resolve<ResourcePool<T>>(provider, name))));
        return new ResourcePoolBuilder<T>(services, name, options, validator);
    }
}
