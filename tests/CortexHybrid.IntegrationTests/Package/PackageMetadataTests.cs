using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CortexHybrid.IntegrationTests.Package;

/// <summary>
/// What nuget.org shows and what a consumer's restore sees, read from the .nuspec of each packed
/// package: dependencies, readme, license, repository and project URLs.
/// </summary>
[Collection(PackedPackagesCollection.Name)]
public sealed partial class PackageMetadataTests(PackedPackages packages)
{
    public static TheoryData<string> AllPackages => [PackedPackages.Kernels, PackedPackages.Serving, PackedPackages.Memory, PackedPackages.Tool];

    [Fact]
    public void The_kernel_package_depends_on_nothing_from_Microsoft_Extensions()
    {
        IReadOnlyList<(string Id, string Version)> dependencies = packages[PackedPackages.Kernels].Dependencies;
        Assert.DoesNotContain(dependencies, d => d.Id.StartsWith("Microsoft.Extensions", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_serving_package_depends_on_the_kernel_package_of_its_own_version()
    {
        PackedPackage serving = packages[PackedPackages.Serving];
        (string _, string version) = Assert.Single(serving.Dependencies, d => d.Id == PackedPackages.Kernels);
        Assert.Equal(packages[PackedPackages.Kernels].Version, serving.Version);
        Assert.Equal(serving.Version, version);

        // The hosting pieces are this package's, so its dependency list is where they show.
        Assert.Contains(serving.Dependencies, d => d.Id == "Microsoft.Extensions.Options");
    }

    [Theory]
    [MemberData(nameof(AllPackages))]
    public void Each_package_carries_the_repository_readme(string id)
    {
        PackedPackage package = packages[id];
        Assert.Equal("README.md", package.Element("readme")?.Value);
        Assert.Contains("README.md", package.Entries);
        Assert.Equal(File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "README.md")), package.ReadEntry("README.md"));
    }

    [Theory]
    [MemberData(nameof(AllPackages))]
    public void Each_package_is_MIT_licensed_by_expression(string id)
    {
        XElement license = Assert.IsType<XElement>(packages[id].Element("license"));
        Assert.Equal("expression", (string?)license.Attribute("type"));
        Assert.Equal("MIT", license.Value);
    }

    [Theory]
    [MemberData(nameof(AllPackages))]
    public void Each_package_names_the_git_commit_it_was_built_from(string id)
    {
        XElement repository = Assert.IsType<XElement>(packages[id].Element("repository"));
        Assert.Equal("git", (string?)repository.Attribute("type"));
        string? commit = (string?)repository.Attribute("commit");
        Assert.NotNull(commit);
        Assert.Matches(CommitPattern(), commit);
        if (packages.Commit is not null)
        {
            Assert.Equal(packages.Commit, commit);
        }
    }

    /// <summary>The URLs come from the remote "origin": a clone without one, or with a folder as its origin, publishes none.</summary>
    [Theory]
    [MemberData(nameof(AllPackages))]
    public void Without_a_remote_no_URL_is_made_up_and_with_one_both_URLs_agree(string id)
    {
        PackedPackage package = packages[id];
        string? projectUrl = package.Element("projectUrl")?.Value;
        string? repositoryUrl = (string?)package.Element("repository")?.Attribute("url");
        if (packages.OriginIsLocalPath)
        {
            // A folder is no repository URL: none is published.
            Assert.Null(repositoryUrl);
            Assert.Null(projectUrl);
        }
        else if (packages.HasOriginRemote)
        {
            Assert.NotNull(repositoryUrl);
            Assert.Equal(WithoutDotGit(repositoryUrl), projectUrl);
        }
        else
        {
            Assert.Null(repositoryUrl);
            Assert.Null(projectUrl);
        }
    }

    /// <summary>Source Link sets PrivateRepositoryUrl only when it is empty, so the property given to pack stands.</summary>
    [Fact]
    public void The_repository_URL_property_gives_both_URLs()
    {
        PackedPackage package = packages.WithRepositoryUrlProperty;
        Assert.Equal(PackedPackages.ExampleRepositoryUrl, (string?)package.Element("repository")?.Attribute("url"));
        Assert.Equal(PackedPackages.ExampleProjectUrl, package.Element("projectUrl")?.Value);
    }

    /// <summary>
    /// A remote in git's configuration, read by Source Link mid-build the way a real clone's is: the
    /// project URL must be computed after Source Link has run, not when the project is evaluated.
    /// </summary>
    [Theory]
    [InlineData(PackedPackages.Kernels)]
    [InlineData(PackedPackages.Tool)]
    public void A_git_remote_gives_both_URLs(string id)
    {
        PackedPackage package = packages.WithGitRemote(id);
        string? repositoryUrl = (string?)package.Element("repository")?.Attribute("url");
        if (packages.OriginIsLocalPath)
        {
            // The clone's own remote, a folder, wins over the global configuration's: no URL.
            Assert.Null(repositoryUrl);
            Assert.Null(package.Element("projectUrl")?.Value);
            return;
        }

        Assert.NotNull(repositoryUrl);
        Assert.Equal(WithoutDotGit(repositoryUrl), package.Element("projectUrl")?.Value);
        if (!packages.HasOriginRemote)
        {
            // A clone's own remote would win over the global configuration's.
            Assert.Equal(PackedPackages.ExampleRepositoryUrl, repositoryUrl);
            Assert.Equal(PackedPackages.ExampleProjectUrl, package.Element("projectUrl")?.Value);
        }
    }

    /// <summary>An SSH clone's remote is not a web address; the project URL is the https one Source Link translates it to.</summary>
    [Fact]
    public void An_ssh_git_remote_gives_an_https_project_URL()
    {
        PackedPackage package = packages.WithSshGitRemote;
        string? repositoryUrl = (string?)package.Element("repository")?.Attribute("url");
        if (packages.OriginIsLocalPath)
        {
            // The clone's own remote, a folder, wins over the global configuration's: no URL.
            Assert.Null(repositoryUrl);
            Assert.Null(package.Element("projectUrl")?.Value);
            return;
        }

        Assert.NotNull(repositoryUrl);
        Assert.StartsWith("https://", repositoryUrl, StringComparison.Ordinal);
        Assert.Equal(WithoutDotGit(repositoryUrl), package.Element("projectUrl")?.Value);
        if (!packages.HasOriginRemote)
        {
            Assert.Equal(PackedPackages.ExampleRepositoryUrl, repositoryUrl);
        }
    }

    private static string WithoutDotGit(string url) => url.EndsWith(".git", StringComparison.Ordinal) ? url[..^4] : url;

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitPattern();
}
