using System.Text.Json;
using CortexHybrid.Simd;
using CortexHybrid.Tests.Memory.Stores;

namespace CortexHybrid.Tests;

/// <summary>
/// The test assembly run as a program: <c>probe</c> prints, as JSON, what this process chose at
/// start-up. Tests run it as a child process with a controlled environment. <c>store-hold</c> and
/// <c>store-add</c> use a memory store from another process (see <see cref="StoreChildProgram"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["store-hold" or "store-add", ..])
        {
            return StoreChildProgram.Run(args);
        }

        if (args is not ["probe"])
        {
            Console.Error.WriteLine("usage: CortexHybrid.Tests probe | store-hold ... | store-add ...");
            return 2;
        }

        string? defaultBackend = null, defaultDescription = null, defaultError = null;
        float? dot = null;
        try
        {
            ISimilarityKernel kernel = SimilarityKernels.Default;
            defaultBackend = kernel.Backend.ToString();
            defaultDescription = kernel.Description;
            dot = kernel.Dot([1f, 2f, 3f], [4f, 5f, 6f]);
        }
        catch (InvalidOperationException e)
        {
            defaultError = e.Message;
        }

        var report = new ProbeReport(
            defaultBackend,
            defaultDescription,
            defaultError,
            dot,
            SimilarityKernels.Native?.Description,
            SimilarityKernels.NativeUnavailableReason);
        Console.WriteLine(JsonSerializer.Serialize(report));
        return 0;
    }
}

/// <summary>What <see cref="Program"/> prints.</summary>
public sealed record ProbeReport(
    string? DefaultBackend,
    string? DefaultDescription,
    string? DefaultError,
    float? DefaultDot,
    string? NativeDescription,
    string? NativeUnavailableReason);
