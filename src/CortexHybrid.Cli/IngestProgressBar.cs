using Spectre.Console;
using Spectre.Console.Rendering;

namespace CortexHybrid.Cli;

/// <summary>
/// A progress bar on standard error (standard output stays clean for <c>--json</c>) while a
/// memory ingests texts: how many, the bar, the percentage, memories per second and the time left.
/// </summary>
internal static class IngestProgressBar
{
    /// <summary>
    /// Runs <paramref name="work"/>, which reports how many of <paramref name="total"/> are stored
    /// so far, under the bar (or, when <paramref name="show"/> is false, without one).
    /// </summary>
    public static async Task RunAsync(string description, int total, bool show, Func<IProgress<int>, Task> work)
    {
        if (!show)
        {
            await work(new InlineProgress(_ => { }));
            return;
        }

        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RateColumn(), new RemainingTimeColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask(description, maxValue: total);

                // Reported on the thread that stored the batch, not posted: the bar is never behind the work.
                await work(new InlineProgress(done => task.Value = done));
            });
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports where it is told, unlike <see cref="Progress{T}"/>, which posts.</summary>
    private sealed class InlineProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    /// <summary>Memories per second, as Spectre measures the task's speed.</summary>
    private sealed class RateColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.Speed is double speed ? $"{speed,5:N0} memories/s" : "    … memories/s");
    }
}
