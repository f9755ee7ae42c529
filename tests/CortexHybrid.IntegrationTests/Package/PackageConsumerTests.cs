using System.Text.Json;

namespace CortexHybrid.IntegrationTests.Package;

/// <summary>
/// A .NET project that has never seen this repository references the packed CortexHybrid.Serving
/// package from a local folder feed (no project reference, no copied DLLs), gets CortexHybrid through
/// it, builds, and runs: the kernels, with and without the native library, and the cache and the
/// monitor from the serving package.
/// </summary>
[Collection(PackedPackagesCollection.Name)]
public sealed class PackageConsumerTests : IDisposable
{
    private const string ConsumerProgram = """
        using System.Text;
        using System.Text.Json;
        using CortexHybrid.Caching;
        using CortexHybrid.Metrics;
        using CortexHybrid.Simd;

        ISimilarityKernel kernel = SimilarityKernels.Default;
        float dot = kernel.Dot([1f, 2f, 3f, 4f, 5f], [6f, 7f, 8f, 9f, 10f]);

        using var cache = new TieredCache(new TieredCacheOptions());
        using var monitor = new PerformanceMonitor();
        monitor.Attach(cache, "consumer");
        monitor.Attach(kernel);
        byte[]? cached, missing;
        using (monitor.StartRequest("lookup"))
        {
            await cache.SetAsync("greeting", Encoding.UTF8.GetBytes("hello from the feed"));
            cached = await cache.GetAsync("greeting");
            missing = await cache.GetAsync("absent");
        }

        PerformanceSnapshot snapshot = monitor.GetSnapshot();
        CacheStatistics statistics = snapshot.Cache["consumer"];
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            Backend = kernel.Backend.ToString(),
            kernel.Description,
            Dot = dot,
            Reason = SimilarityKernels.NativeUnavailableReason,
            NativePath = SimilarityKernels.NativeLibrary?.Path,
            Cached = cached is null ? null : Encoding.UTF8.GetString(cached),
            MissingFound = missing is not null,
            CacheHits = statistics.L1Hits + statistics.L2Hits + statistics.L3Hits,
            CacheMisses = statistics.Misses,
            snapshot.Throughput.TotalRequests,
            Operations = snapshot.ResponseTimes.Select(o => $"{o.Name}={o.SinceStart.Count}").ToArray(),
            snapshot.Kernels,
        }));
        """;

    private readonly PackedPackages _packages;
    private readonly TemporaryDirectory _consumer = new();

    public PackageConsumerTests(PackedPackages packages) => _packages = packages;

    [Fact]
    public void A_fresh_project_gets_the_native_kernel_from_the_package_and_falls_back_without_it()
    {
        string output = BuildConsumer();

        // Both packages came from the freshly packed feed, CortexHybrid only as Serving's dependency.
        foreach (string id in (string[])[PackedPackages.Kernels, PackedPackages.Serving])
        {
            Assert.Equal(Path.TrimEndingDirectorySeparator(_packages.Feed), Path.TrimEndingDirectorySeparator(RestoredFrom(id)));
            Assert.True(File.Exists(Path.Combine(output, id + ".dll")), $"{id}.dll from the package is missing from {output}");
        }

        // NuGet put the RID-specific asset where the runtime and the library's resolver look.
        string native = Path.Combine(output, "runtimes", "linux-x64", "native", "libcortex_simd.so");
        Assert.True(File.Exists(native), $"the package's native asset is missing from {output}");

        ConsumerReport withNative = RunConsumer(output);
        Assert.Equal("Native", withNative.Backend);
        Assert.Equal(130f, withNative.Dot); // 6 + 14 + 24 + 36 + 50
        Assert.Null(withNative.Reason);
        Assert.Equal(native, withNative.NativePath);
        AssertServingWorked(withNative);

        File.Delete(native);
        ConsumerReport without = RunConsumer(output);
        Assert.Equal("Managed", without.Backend);
        Assert.Equal(130f, without.Dot);
        Assert.NotNull(without.Reason);
        Assert.Contains("libcortex_simd.so was not found", without.Reason);
        Assert.Contains(native, without.Reason);
        AssertServingWorked(without);
    }

    /// <summary>The value round-tripped through the cache, the monitor counted the one request, and saw the cache and the kernel.</summary>
    private static void AssertServingWorked(ConsumerReport report)
    {
        Assert.Equal("hello from the feed", report.Cached);
        Assert.False(report.MissingFound);
        Assert.Equal(1, report.CacheHits);
        Assert.Equal(1, report.CacheMisses);
        Assert.Equal(1, report.TotalRequests);
        Assert.Equal(["lookup=1"], report.Operations);
        Assert.Equal([report.Description], report.Kernels);
    }

    /// <summary>The source NuGet restored package <paramref name="id"/> from, as its .nupkg.metadata records it.</summary>
    private string RestoredFrom(string id)
    {
        string metadata = Path.Combine(_consumer.Path, "packages", id.ToLowerInvariant(), _packages.Version, ".nupkg.metadata");
        Assert.True(File.Exists(metadata), $"{id} {_packages.Version} was not restored ({metadata} is missing)");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(metadata));
        return document.RootElement.GetProperty("source").GetString() ?? "";
    }

    public void Dispose() => _consumer.Dispose();

    /// <summary>Creates the consumer project against the local feed, builds it, and returns its output directory.</summary>
    private string BuildConsumer()
    {
        string project = _consumer.Path;
        File.WriteAllText(Path.Combine(project, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{_packages.Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <!-- Our packages only from the freshly packed feed; their dependencies from nuget.org. -->
              <packageSourceMapping>
                <packageSource key="local">
                  <package pattern="CortexHybrid" />
                  <package pattern="CortexHybrid.Serving" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(project, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <!-- A packages folder of its own: never a cached copy of an older build. -->
                <RestorePackagesPath>{Path.Combine(project, "packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <!-- CortexHybrid comes with it, as its dependency. -->
                <PackageReference Include="CortexHybrid.Serving" Version="{_packages.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), ConsumerProgram);
        DotnetCli.RunOrFail(["build", "-c", "Release", "--nologo"], project);
        return Path.Combine(project, "bin", "Release", "net10.0");
    }

    private static ConsumerReport RunConsumer(string output)
    {
        (int exitCode, string stdout, string stderr) = ChildProcess.Run(ChildProcess.DotnetHost, [Path.Combine(output, "Consumer.dll")]);
        Assert.True(exitCode == 0, $"the consumer exited with {exitCode}: {stderr}");
        return JsonSerializer.Deserialize<ConsumerReport>(stdout) ?? throw new InvalidOperationException("no output");
    }

    private sealed record ConsumerReport(
        string Backend,
        string Description,
        float Dot,
        string? Reason,
        string? NativePath,
        string? Cached,
        bool MissingFound,
        long CacheHits,
        long CacheMisses,
        long TotalRequests,
        string[] Operations,
        string[] Kernels);
}
