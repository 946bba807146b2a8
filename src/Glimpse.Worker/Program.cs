using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Hosting;
using Glimpse.Processing.Hosting;
using Glimpse.Processing.Jobs;

// The worker (the GPU Container App): receives one job at a time from the configured transport, runs it on the warm
// model and writes its results. Configuration: Glimpse__* environment variables (see the README's Hosts section).
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddGlimpsePipeline(builder.Configuration).AddGlimpseWorker(builder.Configuration);
builder.Services.AddGlimpseTelemetry(builder.Configuration, "glimpse-worker");
// SIGTERM stops the host: the loop abandons the job in flight, or finishes off one whose results are written; the host
// waits long enough for either to reach the bus.
builder.Services.AddOptions<HostOptions>().Configure<WorkerLoopOptions, JobProcessorOptions>((host, loop, processor) =>
    host.ShutdownTimeout = TimeSpan.FromTicks(Math.Max(loop.AbandonTimeout.Ticks, processor.SettleTimeout.Ticks)) + TimeSpan.FromSeconds(10));
await builder.Build().RunAsync();
