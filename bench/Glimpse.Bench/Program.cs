using System.CommandLine;
using Glimpse.Bench;

// glimpse-bench: the pipeline's benchmarks (the model and explainer benchmarks are `glimpse bench`).
var root = new RootCommand("Benchmarks of the Glimpse pipeline: throughput, latency and where the worker's time goes.")
{
    PipelineBench.Create(),
};
return await root.Parse(args).InvokeAsync();
