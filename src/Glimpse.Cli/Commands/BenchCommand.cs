using System.CommandLine;

namespace Glimpse.Cli.Commands;

/// <summary><c>glimpse bench</c>: measured speed and memory, printed as tables of times and ratios.</summary>
internal static class BenchCommand
{
    /// <remarks>The pipeline's own benchmarks (load over either transport, ingest cold start) are bench/Glimpse.Bench and
    /// bench/Glimpse.Bench.Ingest: they need a Service Bus stand-in and a process of the ingest Function's closure.</remarks>
    public static Command Create() => new("bench", "Benchmarks: the runtime and explainers on synthetic random-weight models, and a soak of many explains in one process.")
    {
        RuntimeBench.Create(),
        ExplainBench.Create(),
        SoakBench.Create(),
        PrecisionBench.Create(),
    };
}
