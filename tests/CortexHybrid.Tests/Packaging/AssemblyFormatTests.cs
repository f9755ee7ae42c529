using System.Reflection;
using System.Reflection.PortableExecutable;
using CortexHybrid.Caching;
using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Packaging;

/// <summary>
/// The managed assemblies are AnyCPU, IL only, so a process on any platform loads them (and uses the
/// managed kernels where there is no native library); and the kernel assembly stays free of
/// Microsoft.Extensions.
/// </summary>
public sealed class AssemblyFormatTests
{
    public static TheoryData<string> Libraries => ["CortexHybrid", "CortexHybrid.Serving"];

    [Theory]
    [MemberData(nameof(Libraries))]
    public void The_library_is_AnyCPU_IL_only(string name)
    {
        Assembly assembly = name switch
        {
            "CortexHybrid" => typeof(SimilarityKernels).Assembly,
            "CortexHybrid.Serving" => typeof(TieredCache).Assembly,
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };
        Assert.Equal(name, assembly.GetName().Name);
        string path = assembly.Location;
        using var reader = new PEReader(File.OpenRead(path));
        PEHeaders headers = reader.PEHeaders;
        CorHeader cor = Assert.IsType<CorHeader>(headers.CorHeader);

        Assert.True(cor.Flags.HasFlag(CorFlags.ILOnly), $"{path}: not IL only ({cor.Flags})");
        Assert.False(cor.Flags.HasFlag(CorFlags.Requires32Bit), $"{path}: requires a 32-bit process ({cor.Flags})");
        Assert.False(cor.Flags.HasFlag(CorFlags.Prefers32Bit), $"{path}: prefers a 32-bit process ({cor.Flags})");

        // AnyCPU IL is a PE32 image marked I386 (with neither 32-bit flag); x64 would be PE32+ and Amd64.
        Assert.Equal(Machine.I386, headers.CoffHeader.Machine);
        Assert.Equal(PEMagic.PE32, headers.PEHeader?.Magic);
    }

    [Fact]
    public void The_kernel_assembly_references_nothing_from_Microsoft_Extensions()
    {
        AssemblyName[] references = typeof(SimilarityKernels).Assembly.GetReferencedAssemblies();
        Assert.NotEmpty(references);
        Assert.DoesNotContain(references, r => r.Name!.StartsWith("Microsoft.Extensions", StringComparison.OrdinalIgnoreCase));

        // The check sees such references where they are: the serving assembly has them.
        Assert.Contains(typeof(TieredCache).Assembly.GetReferencedAssemblies(), r => r.Name!.StartsWith("Microsoft.Extensions", StringComparison.Ordinal));
    }
}
