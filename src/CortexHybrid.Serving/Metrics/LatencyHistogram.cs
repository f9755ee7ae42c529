using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace CortexHybrid.Metrics;

/// <summary>
/// A fixed-memory log-linear histogram of durations in nanoseconds, HdrHistogram's layout with 256
/// sub-buckets per power of two: every value up to 2^42 ns (73 minutes) falls in a bucket whose
/// width is at most 1/128 of its lowest value, and percentiles report the bucket's midpoint, so
/// they are within 0.4% of the recorded value. Recording is one interlocked increment; reads are
/// racy but never torn (a snapshot taken while others record misses at most their in-flight samples).
/// </summary>
internal sealed class LatencyHistogram
{
    /// <summary>Values below this are recorded exactly.</summary>
    private const int SubBucketCount = 256;
    private const int SubBucketHalf = SubBucketCount / 2;
    private const int SubBucketBits = 8;

    /// <summary>The largest value told apart from larger ones; above it values count here.</summary>
    public const long MaxTrackableNanoseconds = (1L << 42) - 1;

    /// <summary>Buckets needed to reach <see cref="MaxTrackableNanoseconds"/>.</summary>
    public const int BucketCount = ((42 - SubBucketBits + 1) * SubBucketHalf) + SubBucketHalf;

    private readonly long[] _counts = new long[BucketCount];

    /// <summary>Adds one sample.</summary>
    public void Record(long nanoseconds) => Interlocked.Increment(ref _counts[IndexOf(nanoseconds)]);

    /// <summary>The bucket a value falls in.</summary>
    public static int IndexOf(long nanoseconds)
    {
        ulong value = (ulong)Math.Clamp(nanoseconds, 0, MaxTrackableNanoseconds);
        if (value < SubBucketCount)
        {
            return (int)value;
        }

        int shift = BitOperations.Log2(value) - (SubBucketBits - 1);
        return (shift * SubBucketHalf) + (int)(value >> shift);
    }

    /// <summary>The lowest value of a bucket and its width.</summary>
    public static (long Lowest, long Width) RangeOf(int index)
    {
        if (index < SubBucketCount)
        {
            return (index, 1);
        }

        int shift = (index / SubBucketHalf) - 1;
        long sub = index - (shift * SubBucketHalf);
        return (sub << shift, 1L << shift);
    }

    /// <summary>The value a bucket stands for in percentiles: its midpoint (exact below 256 ns).</summary>
    public static long ValueOf(int index)
    {
        (long lowest, long width) = RangeOf(index);
        return lowest + (width / 2);
    }

    /// <summary>Adds this histogram's counts into <paramref name="totals"/>, and into <paramref name="alsoInto"/> unless it is empty (one pass for both).</summary>
    /// <remarks>
    /// A snapshot runs this for every slice of every operation, within a status call's budget, so
    /// it reads a vector of counts at a time. Each count is an aligned 8-byte element, which an x64
    /// vector load reads whole: a count being incremented meanwhile is read before or after, never torn.
    /// </remarks>
    public void AddTo(Span<long> totals, Span<long> alsoInto = default)
    {
        Debug.Assert(totals.Length == BucketCount && (alsoInto.IsEmpty || alsoInto.Length == BucketCount));
        bool both = !alsoInto.IsEmpty;
        ref long counts = ref MemoryMarshal.GetArrayDataReference(_counts);
        ref long first = ref MemoryMarshal.GetReference(totals);
        ref long second = ref MemoryMarshal.GetReference(alsoInto);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= BucketCount - Vector<long>.Count; i += Vector<long>.Count)
            {
                Vector<long> value = Vector.LoadUnsafe(ref counts, (nuint)i);
                (Vector.LoadUnsafe(ref first, (nuint)i) + value).StoreUnsafe(ref first, (nuint)i);
                if (both)
                {
                    (Vector.LoadUnsafe(ref second, (nuint)i) + value).StoreUnsafe(ref second, (nuint)i);
                }
            }
        }

        for (; i < BucketCount; i++)
        {
            long value = Volatile.Read(ref _counts[i]);
            totals[i] += value;
            if (both)
            {
                alsoInto[i] += value;
            }
        }
    }

    /// <summary>Empties this histogram into <paramref name="totals"/>, losing no sample recorded meanwhile.</summary>
    public void DrainInto(long[] totals)
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            if (Volatile.Read(ref _counts[i]) != 0)
            {
                totals[i] += Interlocked.Exchange(ref _counts[i], 0);
            }
        }
    }
}
