using System.Text.Json;

namespace CortexHybrid.IntegrationTests.Package;

/// <summary>
/// A .NET project that has never seen this repository references the packed CortexHybrid package
/// from a local folder feed (no project reference, no copied DLLs), builds, and runs.
/// </summary>
public sealed class PackageConsumerTests : IClassFixture<PackageConsumerTests.PackedFeed>, IDisposable
{
    private const string ConsumerProgram = """
        using System.Text.Json;
        using CortexHybrid.Simd;

        ISimilarityKernel kernel = SimilarityKernels.Default;
        float dot = kernel.Dot([1f, 2f, 3f, 4f, 5f], [6f, 7f, 8f, 9f, 10f]);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            Backend = kernel.Backend.ToString(),
            kernel.Description,
            Dot = dot,
            Reason = SimilarityKernels.NativeUnavailableReason,
            NativePath = SimilarityKernels.NativeLibrary?.Path,
        }));
        """;

    private readonly PackedFeed _feed;
    private readonly TemporaryDirectory _consumer = new();

    public PackageConsumerTests(PackedFeed feed) => _feed = feed;

    [Fact]
    public void A_fresh_project_gets_the_native_kernel_from_the_package_and_falls_back_without_it()
    {
        string output = BuildConsumer();

        // NuGet put the RID-specific asset where the runtime and the library's resolver look.
        string native = Path.Combine(output, "runtimes", "linux-x64", "native", "libcortex_simd.so");
        Assert.True(File.Exists(native), $"the package's native asset is missing from {output}");
        Assert.False(Directory.GetFiles(output, "CortexHybrid.dll").Length == 0, "CortexHybrid.dll comes from the package");

        ConsumerReport withNative = RunConsumer(output);
        Assert.Equal("Native", withNative.Backend);
        Assert.Equal(130f, withNative.Dot); // 6 + 14 + 24 + 36 + 50
        Assert.Null(withNative.Reason);
        Assert.Equal(native, withNative.NativePath);

        File.Delete(native);
        ConsumerReport without = RunConsumer(output);
        Assert.Equal("Managed", without.Backend);
        Assert.Equal(130f, without.Dot);
        Assert.NotNull(without.Reason);
        Assert.Contains("libcortex_simd.so was not found", without.Reason);
        Assert.Contains(native, without.Reason);
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
                <add key="local" value="{_feed.Directory}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <!-- CortexHybrid only from the freshly packed feed; its dependencies from nuget.org. -->
              <packageSourceMapping>
                <packageSource key="local">
                  <package pattern="CortexHybrid" />
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
                <PackageReference Include="CortexHybrid" Version="{_feed.Version}" />
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

    private sealed record ConsumerReport(string Backend, string Description, float Dot, string? Reason, string? NativePath);

    /// <summary>Packs src/CortexHybrid once for the class into a temporary folder feed.</summary>
    public sealed class PackedFeed : IDisposable
    {
        private readonly TemporaryDirectory _directory = new();

        public PackedFeed()
        {
            string project = Path.Combine(RepositoryPaths.Root, "src", "CortexHybrid", "CortexHybrid.csproj");
            DotnetCli.RunOrFail(["pack", project, "-c", DotnetCli.Configuration, "-o", _directory.Path, "--nologo"], RepositoryPaths.Root);
            string package = Assert.Single(System.IO.Directory.GetFiles(_directory.Path, "CortexHybrid.*.nupkg"));
            Version = Path.GetFileNameWithoutExtension(package)["CortexHybrid.".Length..];
        }

        public string Directory => _directory.Path;

        public string Version { get; }

        public void Dispose() => _directory.Dispose();
    }
}
