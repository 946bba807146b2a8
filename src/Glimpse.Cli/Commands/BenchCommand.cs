using System.CommandLine;

namespace Glimpse.Cli.Commands;

/// <summary><c>glimpse bench</c>: measured speed and memory, printed as tables of times and ratios.</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Benchmarks on synthetic random-weight models.")
    {
        RuntimeBench.Create(),
        ExplainBench.Create(),
    };
}
