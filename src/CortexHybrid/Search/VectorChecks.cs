using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CortexHybrid.Search;

/// <summary>Checks and transforms of whole vectors that adding and searching share.</summary>
internal static class VectorChecks
{
    /// <summary>The index of the first NaN or infinity, or -1. <c>x - x</c> is 0 exactly when x is finite.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float start = ref MemoryMarshal.GetReference(values);
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref start, (nuint)i);
                if (!Vector256.EqualsAll(v - v, Vector256<float>.Zero))
                {
                    break;
                }
            }
        }

        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The Euclidean norm, accumulated in double.</summary>
    public static double Norm(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float value in values)
        {
            sum += (double)value * value;
        }

        return Math.Sqrt(sum);
    }

    /// <summary>Writes <paramref name="source"/> divided by its norm (zeros for a zero vector) and returns the norm.</summary>
    public static float Normalize(ReadOnlySpan<float> source, Span<float> destination)
    {
        double norm = Norm(source);
        if (norm == 0)
        {
            destination[..source.Length].Clear();
            return 0;
        }

        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = (float)(source[i] / norm);
        }

        return (float)norm;
    }
}
