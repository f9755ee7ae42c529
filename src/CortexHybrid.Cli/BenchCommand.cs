using System.CommandLine;
using System.Text.Json;
using CortexHybrid.Simd;
using Spectre.Console;

namespace CortexHybrid.Cli;

/// <summary><c>cortex bench</c>: Native, Managed and Scalar against TensorPrimitives, in seconds.</summary>
internal static class BenchCommand
{
    public static readonly int[] DefaultDimensions = [128, 384, 768, 1536];

    public static Command Create()
    {
        Option<bool> json = CliOptions.JsonOption();
        Option<int[]> dimensions = DimensionsOption();
        Option<int> rounds = RoundsOption();
        var command = new Command(
            "bench",
            "Compare Native, Managed and Scalar with TensorPrimitives for dot, cosine and batch cosine: median ns per operation and the ratio to TensorPrimitives (below 1 is faster).")
        {
            json, dimensions, rounds,
        };
        command.SetAction(result =>
        {
            ComparisonReport report = Measure(result.GetValue(dimensions)!, result.GetValue(rounds));
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, CliOptions.Json));
            }
            else
            {
                Write(report);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    public static Option<int[]> DimensionsOption() => CliOptions.WholeNumbersOption(
        "--dimensions", "Vector lengths to measure, 1 to 65536 (space- or comma-separated).", minimum: 1, maximum: 65_536, DefaultDimensions);

    public static Option<int> RoundsOption() => CliOptions.WholeNumberOption(
        "--rounds", "Timed rounds per kernel, 1 to 100; the median is reported.", minimum: 1, maximum: 100, defaultValue: 5);

    /// <summary>Runs the comparison with a progress bar on standard error (standard output stays clean for --json).</summary>
    public static ComparisonReport Measure(int[] dimensions, int rounds)
    {
        IAnsiConsole progressConsole = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        ComparisonReport? report = null;
        progressConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                ProgressTask task = context.AddTask("measuring kernels", maxValue: KernelComparison.Operations.Length * dimensions.Length);
                report = KernelComparison.Run(dimensions, rounds, row =>
                {
                    task.Description = $"{row.Operation} d={row.Dimension}";
                    task.Increment(1);
                });
            });
        return report!;
    }

    public static void Write(ComparisonReport report)
    {
        IAnsiConsole console = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 160;
        }

        IReadOnlyList<KernelTiming> first = report.Rows[0].Kernels;
        var table = new Table().AddColumn("operation").AddColumn(new TableColumn("dim").RightAligned());
        foreach (KernelTiming kernel in first)
        {
            table.AddColumn(new TableColumn(kernel.Kernel).RightAligned());
        }

        foreach (ComparisonRow row in report.Rows)
        {
            var cells = new List<string> { row.Rows > 1 ? $"{row.Operation} x{row.Rows}" : row.Operation.ToString(), row.Dimension.ToString() };
            cells.AddRange(row.Kernels.Select((k, i) => i == 0 ? $"{Format(k.Nanoseconds)}" : $"{Format(k.Nanoseconds)} ({k.RatioToTensorPrimitives:0.00}x)"));
            table.AddRow(cells.Select(Markup.Escape).ToArray());
        }

        console.Write(table);
        Console.WriteLine("Median time per call; (ratio) = time / TensorPrimitives time in the same run, below 1 is faster.");
        foreach (KernelTiming kernel in first)
        {
            Console.WriteLine($"  {kernel.Kernel,-16} {kernel.Description}");
        }

        if (report.NativeUnavailableReason is { } reason)
        {
            Console.WriteLine($"  Native           not measured: {reason}");
        }

        Console.WriteLine("Quick in-process timing on a possibly shared machine; the BenchmarkDotNet suite (./build.sh --target=Bench) is the authority.");
    }

    private static string Format(double nanoseconds) =>
        nanoseconds >= 10_000 ? $"{nanoseconds / 1000:0.0} µs" : $"{nanoseconds:0.0} ns";
}
