using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CortexHybrid.Search;

/// <summary>
/// The per-dimension scales of <see cref="VectorStorage.Int8"/>: symmetric, one largest magnitude
/// <c>m[d]</c> per dimension, <c>code = round(x[d] · 127 / m[d])</c> clamped to ±127 (never -128,
/// so a code negates exactly). A query is mapped into the same space, <c>q'[d] = q[d] · m[d] / 127</c>,
/// and quantized with one scale of its own, so <c>q · r ≈ queryScale · Σ q8[d] · r8[d]</c> exactly
/// as the integer kernels compute it. Not thread-safe: the index serializes writers.
/// </summary>
internal sealed class Int8Scales
{
    /// <summary>Rows (as a share of the stored ones) that may fall outside the scales before a refit: 1%.</summary>
    private const int ClippedPerHundredRows = 1;

    private readonly float[] _maxima;
    private readonly float[] _inverse;
    private readonly float[] _observed;

    public Int8Scales(int dimension)
    {
        _maxima = new float[dimension];
        _inverse = new float[dimension];
        _observed = new float[dimension];
    }

    /// <summary>Whether scales were fitted (the first rows set them).</summary>
    public bool IsFitted { get; private set; }

    /// <summary>Rows added since the last fit that had an element outside the scales (and were clamped).</summary>
    public int ClippedSinceFit { get; private set; }

    /// <summary>How many times the scales were fitted.</summary>
    public int Fits { get; private set; }

    /// <summary><c>m[d]</c>: the largest magnitude each dimension is quantized for.</summary>
    public ReadOnlySpan<float> Maxima => _maxima;

    /// <summary>
    /// Starts a fit: from zero, or from the largest magnitudes ever seen if
    /// <paramref name="fromObserved"/> (when the rows themselves are no longer at hand);
    /// <see cref="Include"/> each row, then <see cref="CompleteFit"/>.
    /// </summary>
    public void BeginFit(bool fromObserved)
    {
        if (fromObserved)
        {
            _observed.CopyTo(_maxima, 0);
        }
        else
        {
            Array.Clear(_maxima);
        }
    }

    /// <summary>Widens the scales being fitted to cover <paramref name="row"/>.</summary>
    public void Include(ReadOnlySpan<float> row) => Observe(row, _maxima);

    /// <summary>Ends a fit: the scales cover every row included.</summary>
    public void CompleteFit()
    {
        SetInverse();
        IsFitted = true;
        ClippedSinceFit = 0;
        Fits++;
    }

    /// <summary>Restores scales that were saved (loading).</summary>
    public void Restore(ReadOnlySpan<float> maxima, ReadOnlySpan<float> observed, int clippedSinceFit, bool fitted)
    {
        maxima.CopyTo(_maxima);
        observed.CopyTo(_observed);
        SetInverse();
        IsFitted = fitted;
        ClippedSinceFit = clippedSinceFit;
    }

    /// <summary>The largest magnitude of each dimension over every row ever encoded (saved, for refits without full-precision rows).</summary>
    public ReadOnlySpan<float> Observed => _observed;

    /// <summary>True once so many rows were clamped since the last fit that the index should refit and requantize.</summary>
    public bool Drifted(int storedRows) => ClippedSinceFit > 0 && (long)ClippedSinceFit * 100 > (long)storedRows * ClippedPerHundredRows;

    /// <summary>Quantizes one stored row; counts it, and returns true, if an element fell outside the scales (and was clamped).</summary>
    public bool EncodeRow(ReadOnlySpan<float> row, Span<sbyte> codes)
    {
        Debug.Assert(IsFitted && row.Length == _maxima.Length && codes.Length == row.Length);
        Observe(row, _observed);
        bool clipped = false;
        int d = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // The loop below, 32 elements at a time: the same multiply, clamp and round to even
            // (vroundps), then narrowed to bytes (every value is an integer within ±127).
            ref float x = ref MemoryMarshal.GetReference(row);
            ref float maxima = ref MemoryMarshal.GetArrayDataReference(_maxima);
            ref float inverse = ref MemoryMarshal.GetArrayDataReference(_inverse);
            ref sbyte code = ref MemoryMarshal.GetReference(codes);
            Vector256<float> outside = Vector256<float>.Zero;
            for (; d <= row.Length - 32; d += 32)
            {
                Vector256<short> first = Vector256.Narrow(
                    QuantizeEight(ref x, ref maxima, ref inverse, (nuint)d, ref outside), QuantizeEight(ref x, ref maxima, ref inverse, (nuint)d + 8, ref outside));
                Vector256<short> second = Vector256.Narrow(
                    QuantizeEight(ref x, ref maxima, ref inverse, (nuint)d + 16, ref outside), QuantizeEight(ref x, ref maxima, ref inverse, (nuint)d + 24, ref outside));
                Vector256.Narrow(first, second).StoreUnsafe(ref code, (nuint)d);
            }

            clipped = outside != Vector256<float>.Zero;
        }

        for (; d < row.Length; d++)
        {
            clipped |= MathF.Abs(row[d]) > _maxima[d];
            codes[d] = (sbyte)MathF.Round(Math.Clamp(row[d] * _inverse[d], -127f, 127f), MidpointRounding.ToEven);
        }

        if (clipped)
        {
            ClippedSinceFit++;
        }

        return clipped;
    }

    /// <summary>Eight codes of <see cref="EncodeRow"/> as integers; marks in <paramref name="outside"/> the elements past their dimension's largest magnitude.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> QuantizeEight(ref float row, ref float maxima, ref float inverse, nuint at, ref Vector256<float> outside)
    {
        Vector256<float> value = Vector256.LoadUnsafe(ref row, at);
        outside |= Vector256.GreaterThan(Vector256.Abs(value), Vector256.LoadUnsafe(ref maxima, at));
        Vector256<float> scaled = Vector256.Clamp(value * Vector256.LoadUnsafe(ref inverse, at), Vector256.Create(-127f), Vector256.Create(127f));
        return Vector256.ConvertToInt32(Vector256.Round(scaled));
    }

    /// <summary>Decodes a row's codes quantized for <paramref name="maxima"/> (for requantizing without full-precision rows).</summary>
    public static void DecodeRow(ReadOnlySpan<sbyte> codes, ReadOnlySpan<float> maxima, Span<float> row)
    {
        for (int d = 0; d < codes.Length; d++)
        {
            // Clamped, so that rounding cannot put a decoded value outside the scales it came from.
            row[d] = Math.Clamp(codes[d] * (maxima[d] / 127f), -maxima[d], maxima[d]);
        }
    }

    /// <summary>
    /// Quantizes a (prepared) query into <paramref name="codes"/> and returns its scale: the
    /// factor that turns the integer dot product into the estimate of <c>query · row</c>.
    /// </summary>
    public float EncodeQuery(ReadOnlySpan<float> query, Span<sbyte> codes)
    {
        Debug.Assert(query.Length == _maxima.Length && codes.Length == query.Length);
        float largest = 0;
        for (int d = 0; d < query.Length; d++)
        {
            largest = MathF.Max(largest, MathF.Abs(query[d] * (_maxima[d] / 127f)));
        }

        if (largest == 0)
        {
            codes.Clear();
            return 0;
        }

        float toCode = 127f / largest;
        for (int d = 0; d < query.Length; d++)
        {
            float scaled = query[d] * (_maxima[d] / 127f) * toCode;
            codes[d] = (sbyte)MathF.Round(Math.Clamp(scaled, -127f, 127f), MidpointRounding.ToEven);
        }

        return largest / 127f;
    }

    private static void Observe(ReadOnlySpan<float> row, Span<float> maxima)
    {
        int d = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; d <= row.Length - Vector256<float>.Count; d += Vector256<float>.Count)
            {
                Vector256.Max(Vector256.Create(maxima.Slice(d)), Vector256.Abs(Vector256.Create(row.Slice(d)))).CopyTo(maxima.Slice(d));
            }
        }

        for (; d < row.Length; d++)
        {
            maxima[d] = MathF.Max(maxima[d], MathF.Abs(row[d]));
        }
    }

    private void SetInverse()
    {
        for (int d = 0; d < _maxima.Length; d++)
        {
            // A dimension that was always 0 quantizes everything to 0 until a refit widens it.
            _inverse[d] = _maxima[d] > 0 ? 127f / _maxima[d] : 0f;
        }
    }
}
