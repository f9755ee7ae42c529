using CortexHybrid.Memory;

namespace CortexHybrid.Cli.Server;

/// <summary>The index rebuild as one updating line on standard error (never standard output, which may carry the protocol).</summary>
internal sealed class LoadProgressBar : IProgress<MemoryLoadProgress>
{
    private long _lastShown = -1;

    public void Report(MemoryLoadProgress value)
    {
        if (value.Total == 0)
        {
            return;
        }

        // Every 5% and the end: a line redrawn for each batch would be most of the work on a slow terminal.
        long step = Math.Max(1, value.Total / 20);
        if (value.Loaded != value.Total && value.Loaded / step == _lastShown / step)
        {
            return;
        }

        _lastShown = value.Loaded;
        Console.Error.Write($"\rcortex: indexing memories {value.Loaded:N0} / {value.Total:N0} ({100.0 * value.Loaded / value.Total:0}%)");
        if (value.Loaded >= value.Total)
        {
            Console.Error.WriteLine();
        }
    }
}
