using System.CommandLine;

namespace Glimpse.Cli.Commands;

/// <summary><c>glimpse bench</c>: measured speed and memory, printed as tables of times and ratios.</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Benchmarks: the runtime and explainers on synthetic random-weight models, and the local pipeline under load.")
    {
        RuntimeBench.Create(),
        ExplainBench.Create(),
        PipelineBench.Create(),
        PrecisionBench.Create(),
    };
}
