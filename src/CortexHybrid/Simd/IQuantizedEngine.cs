namespace CortexHybrid.Simd;

/// <summary>
/// The summing loops of one quantized backend. <see cref="QuantizedSpanKernel{TEngine}"/> adds
/// validation and batches around them, once for every engine.
/// </summary>
/// <remarks>
/// Inputs are valid: equal lengths, and an int8 length of at most
/// <see cref="QuantizedKernels.MaxInt8Length"/>. Every engine walks its input in one fixed order,
/// so batch results equal pair results bit for bit.
/// </remarks>
internal interface IQuantizedEngine
{
    /// <summary>The backend this engine belongs to.</summary>
    static abstract KernelBackend Backend { get; }

    /// <summary>A description of the path that runs, for <see cref="IQuantizedKernel.Description"/>.</summary>
    static abstract string Description { get; }

    /// <summary>The exact int8 dot product (int32 adds wrap, but the length limit keeps every sum in range).</summary>
    static abstract int DotInt8(ReadOnlySpan<sbyte> x, ReadOnlySpan<sbyte> y);

    /// <summary>The bfloat16 dot product, summed in float32.</summary>
    static abstract float DotBFloat16(ReadOnlySpan<ushort> x, ReadOnlySpan<ushort> y);
}
