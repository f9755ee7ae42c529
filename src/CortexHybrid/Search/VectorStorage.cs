namespace CortexHybrid.Search;

/// <summary>How a <see cref="VectorIndex"/> holds the rows it scans.</summary>
public enum VectorStorage
{
    /// <summary>32-bit floats, 4 bytes an element: every search is exact. The default.</summary>
    Float32 = 0,

    /// <summary>
    /// bfloat16 (the upper 16 bits of a float32: 8 exponent bits, 7 mantissa bits), 2 bytes an
    /// element, rounded to nearest even. Relative error per element at most 2^-8; no parameters.
    /// </summary>
    BFloat16 = 1,

    /// <summary>
    /// 8-bit integers, 1 byte an element: symmetric scalar quantization with one scale per
    /// dimension, <c>code = round(x[d] · 127 / m[d])</c> clamped to ±127, where <c>m[d]</c> is the
    /// largest magnitude of dimension <c>d</c> over the stored rows. The scales are fitted on the
    /// first rows added and refitted (every row requantized) once more than 1% of the rows added
    /// since the last fit fell outside them.
    /// </summary>
    Int8 = 2,
}
