using System.Runtime.InteropServices;

namespace CortexHybrid.Tests.Simd;

/// <summary>
/// A readable page followed by an inaccessible one (dotnet/runtime's BoundedMemory idea): a span
/// placed to end at the boundary crashes the test process if a kernel reads one float too far.
/// </summary>
public sealed unsafe partial class GuardedMemory : IDisposable
{
    private const int PageSize = 4096;
    private const int ProtNone = 0;
    private const int ProtReadWrite = 0x1 | 0x2;
    private const int MapPrivateAnonymous = 0x02 | 0x20;

    private readonly byte* _base;

    public GuardedMemory()
    {
        Assert.True(OperatingSystem.IsLinux(), "guard pages are set up with Linux mmap/mprotect");
        _base = (byte*)mmap(null, 2 * PageSize, ProtReadWrite, MapPrivateAnonymous, -1, 0);
        Assert.True(_base != null && (nint)_base != -1, $"mmap failed: errno {Marshal.GetLastPInvokeError()}");
        Assert.Equal(0, mprotect(_base + PageSize, PageSize, ProtNone));
    }

    /// <summary>A span of <paramref name="values"/>.Length floats ending exactly at the guard page.</summary>
    public Span<float> AtEnd(ReadOnlySpan<float> values)
    {
        Assert.True(values.Length * sizeof(float) <= PageSize);
        var span = new Span<float>(_base + PageSize - (values.Length * sizeof(float)), values.Length);
        values.CopyTo(span);
        return span;
    }

    public void Dispose() => munmap(_base, 2 * PageSize);

    [LibraryImport("libc", SetLastError = true)]
    private static partial void* mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mprotect(void* address, nuint length, int protection);

    [LibraryImport("libc")]
    private static partial int munmap(void* address, nuint length);
}
