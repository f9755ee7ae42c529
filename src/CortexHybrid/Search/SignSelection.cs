using System.Diagnostics;

namespace CortexHybrid.Search;

/// <summary>
/// The rows a <see cref="SignBits.Scan"/> keeps: every row offered while its distance is below
/// <see cref="Threshold"/>, which falls as soon as enough rows lie below a smaller one. A row at
/// or past the threshold can never be among the <c>kept</c> nearest of the rows seen so far, so
/// the scan drops it with one compare; the list grows to about <c>kept x ln(rows / kept)</c>.
/// <see cref="Nearest"/> then cuts the list to exactly the kept nearest, ties at the cut in row
/// order. One selection per scanned partition; <see cref="Nearest"/> merges them.
/// </summary>
internal sealed class SignSelection
{
    private readonly int[] _histogram;
    private int _kept;
    private int[] _positions = new int[256];
    private int[] _distances = new int[256];
    private int _count;
    private int _below;

    /// <summary>A selection of the <paramref name="kept"/> rows nearest (at least 1) among distances 0 to <paramref name="maxDistance"/>.</summary>
    public SignSelection(int kept, int maxDistance)
    {
        Debug.Assert(kept >= 1 && maxDistance >= 0);
        _kept = kept;
        _histogram = new int[maxDistance + 1];
        Threshold = maxDistance + 1;
    }

    /// <summary>Rows at this distance or more are not wanted: <c>kept</c> rows offered so far are nearer.</summary>
    public int Threshold { get; private set; }

    /// <summary>Rows offered and kept in the list (some may be past the threshold since).</summary>
    public int Count => _count;

    /// <summary>Empties the selection for another query.</summary>
    public void Reset() => Reset(_kept);

    /// <summary>Empties the selection for another query that keeps <paramref name="kept"/> rows (at least 1); the lists keep their room.</summary>
    public void Reset(int kept)
    {
        Debug.Assert(kept >= 1);
        _kept = kept;
        Array.Clear(_histogram);
        Threshold = _histogram.Length;
        _count = 0;
        _below = 0;
    }

    /// <summary>Adds row <paramref name="position"/> at <paramref name="distance"/> (below <see cref="Threshold"/>), then lowers the threshold while <c>kept</c> rows stay below it.</summary>
    public void Offer(int position, int distance)
    {
        Debug.Assert(distance >= 0 && distance < Threshold);
        if (_count == _positions.Length)
        {
            Array.Resize(ref _positions, _count * 2);
            Array.Resize(ref _distances, _count * 2);
        }

        _positions[_count] = position;
        _distances[_count] = distance;
        _count++;
        _histogram[distance]++;
        _below++;

        // _below counts the listed rows under the threshold; lower it while kept rows stay under.
        while (_below - _histogram[Threshold - 1] >= _kept)
        {
            Threshold--;
            _below -= _histogram[Threshold];
        }

        Debug.Assert(Threshold >= 1);
    }

    /// <summary>
    /// The positions of the <paramref name="kept"/> nearest rows (or of all rows offered, if
    /// fewer) over every selection, in the selections' order and row order within each: every
    /// row nearer than the cut, then rows at the cut in that order until <paramref name="kept"/>.
    /// </summary>
    public static int[] Nearest(ReadOnlySpan<SignSelection> selections, int kept)
    {
        // Each partition listed every one of its rows nearer than its threshold, and the overall
        // cut is below every partition's threshold (each has kept rows under its own), so the
        // listed rows count exactly the rows at or below the cut.
        int[] histogram = new int[selections[0]._histogram.Length];
        long total = 0;
        foreach (SignSelection selection in selections)
        {
            for (int i = 0; i < selection._count; i++)
            {
                histogram[selection._distances[i]]++;
            }

            total += selection._count;
        }

        kept = (int)Math.Min(kept, total);
        int cut = 0;
        int below = 0;
        while (cut < histogram.Length && below + histogram[cut] < kept)
        {
            below += histogram[cut];
            cut++;
        }

        int[] nearest = new int[kept];
        int filled = 0;
        int atCut = kept - below;
        foreach (SignSelection selection in selections)
        {
            for (int i = 0; i < selection._count; i++)
            {
                int distance = selection._distances[i];
                if (distance < cut || (distance == cut && atCut-- > 0))
                {
                    nearest[filled++] = selection._positions[i];
                }
            }
        }

        Debug.Assert(filled == kept);
        return nearest;
    }
}
