using System.Runtime.InteropServices;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// Floats in native memory at a chosen distance from a 64-byte boundary, so every run reads its
/// inputs at the same alignment (a GC array lands wherever the allocator puts it, and a 64-byte
/// load that straddles two cache lines costs twice as much).
/// </summary>
public sealed unsafe class NativeBuffer : IDisposable
{
    private readonly void* _block;

    /// <param name="length">Floats.</param>
    /// <param name="offsetFloats">Floats past the 64-byte boundary the data starts at (0 = aligned).</param>
    /// <param name="seed">Fills the buffer with uniform values in [-1, 1).</param>
    public NativeBuffer(long length, int offsetFloats, int seed)
    {
        _block = NativeMemory.AlignedAlloc((nuint)((length + offsetFloats) * sizeof(float)), 64);
        Pointer = (float*)_block + offsetFloats;
        Length = length;
        var random = new Random(seed);
        for (long i = 0; i < length; i++)
        {
            Pointer[i] = (random.NextSingle() * 2) - 1;
        }
    }

    public float* Pointer { get; }

    public long Length { get; }

    public ReadOnlySpan<float> Span => new(Pointer, checked((int)Length));

    public ReadOnlySpan<float> Slice(long start, int length) => new(Pointer + start, length);

    public void Dispose() => NativeMemory.AlignedFree(_block);
}
