using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Azure.Messaging.ServiceBus;
using Glimpse.Core.Contracts;
using Glimpse.Demo;
using Glimpse.Demo.Questions;
using Glimpse.Demo.Scenes;
using Glimpse.Pipeline.Client;
using Glimpse.Pipeline.Hosting;
using Glimpse.Pipeline.Storage;
using Glimpse.Pipeline.Telemetry;
using Glimpse.Pipeline.Transport.ServiceBus;
using Glimpse.Processing.Hosting;
using Glimpse.ServiceBus.TestPeer;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Glimpse.Bench;

/// <summary>
/// <c>glimpse-bench pipeline</c>: a bounded load test of the local pipeline on loopback — the same LocalPipeline
/// <c>glimpse local</c> runs (ingest poller, one worker, the demo model), on Azurite, over Storage Queues or over Service
/// Bus (the in-process Service Bus test peer, which speaks AMQP to the real Azure.Messaging.ServiceBus client), fed by
/// clients that keep <c>--in-flight</c> jobs submitted at a time. It prints jobs/s, end-to-end latency (upload start to
/// completion event), how busy the worker was, and how its time per job splits between model work (generate + explain,
/// from each job's timings), rendering the result files and the rest, storage and bus I/O and validation (from the
/// worker's own histograms). With a small model the pipeline is bound by latency (polling, ingest, queues), not by
/// the worker: jobs/s is then in-flight jobs over latency.
/// </summary>
internal static class PipelineBench
{
    public static Command Create()
    {
        var jobs = new Option<int>("--jobs") { Description = "Jobs to run.", DefaultValueFactory = _ => 200 };
        var inFlight = new Option<int>("--in-flight") { Description = "Jobs submitted and not yet completed at any time (keeps the worker busy without a backlog).", DefaultValueFactory = _ => 4 };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Answer length bound of every job (the smallest setting is 1).", DefaultValueFactory = _ => 1 };
        var method = new Option<string>("--method") { Description = "Explainer of every job.", DefaultValueFactory = _ => "glimpse" };
        var transport = new Option<string>("--transport")
        {
            Description = "storage-queues (Azurite's queues) or service-bus (the Service Bus test peer on loopback).",
            DefaultValueFactory = _ => "storage-queues",
        };
        transport.AcceptOnlyFromAmong("storage-queues", "service-bus");
        var port = new Option<int>("--azurite-port") { Description = "Azurite's blob port (started when none answers).", DefaultValueFactory = _ => 10100 };
        var command = new Command("pipeline", "Load-test the local pipeline: jobs/s, end-to-end latency, model work vs rendering vs I/O.")
        {
            jobs, inFlight, maxNewTokens, method, transport, port,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            int count = parse.GetValue(jobs), parallel = parse.GetValue(inFlight);
            if (count < 1 || parallel < 1)
            {
                Console.Error.WriteLine("--jobs and --in-flight must be at least 1.");
                return 2;
            }
            using var azurite = await AzuriteLauncher.EnsureRunningAsync(parse.GetValue(port), Console.Error, cancellationToken);
            var report = await RunAsync(azurite.ConnectionString, parse.GetValue(transport) == "service-bus", parse.GetValue(method)!,
                parse.GetValue(maxNewTokens), count, parallel, cancellationToken);
            Print(report);
            return report.Failed == 0 ? 0 : 1;
        });
        return command;
    }

    /// <param name="WorkerSeconds">The worker's time handling work messages (from receipt to settling), summed.</param>
    public sealed record Report(string Transport, int Jobs, int Succeeded, int Failed, int InFlight, TimeSpan Wall, IReadOnlyList<double> LatencySeconds,
        double ModelSeconds, double RenderSeconds, double WorkerSeconds);

    public static async Task<Report> RunAsync(string connection, bool serviceBus, string method, int maxNewTokens, int count, int inFlight,
        CancellationToken cancellationToken)
    {
        var completions = new ConcurrentDictionary<string, TaskCompletionSource<CompletionEvent>>(StringComparer.Ordinal);
        TaskCompletionSource<CompletionEvent> Waiter(string jobId) => completions.GetOrAdd(jobId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        Task OnCompletion(CompletionEvent completion)
        {
            Waiter(completion.JobId).TrySetResult(completion);
            return Task.CompletedTask;
        }

        // Queues of this run's own, so events of an earlier run in the same Azurite are not counted.
        string prefix = "bench" + Guid.NewGuid().ToString("N")[..8];
        var settings = new Dictionary<string, string?>
        {
            [$"{PipelineConfiguration.StorageQueues}:WorkQueueName"] = prefix + "-jobs",
            [$"{PipelineConfiguration.StorageQueues}:CompletionQueueName"] = prefix + "-completed",
            [$"{PipelineConfiguration.Worker}:IdleDelay"] = "00:00:00.050",
        };
        await using var peer = serviceBus ? ServiceBusTestPeer.Start() : null;
        await using var subscriber = peer is null ? null : await SubscribeAsync(peer, settings, OnCompletion, cancellationToken);

        double renderSeconds = 0, workerSeconds = 0;
        using var worker = new MeterListener();
        worker.InstrumentPublished = (instrument, listener) =>
        {
            // By name: an instrument is published while PipelineTelemetry's initializer is still creating it.
            if (instrument.Meter.Name == PipelineTelemetry.SourceName && instrument.Name is PipelineTelemetry.RenderDurationName or PipelineTelemetry.JobDurationName)
                listener.EnableMeasurementEvents(instrument);
        };
        worker.SetMeasurementEventCallback<double>((instrument, seconds, _, _) =>
        {
            lock (worker)
            {
                if (instrument.Name == PipelineTelemetry.RenderDurationName) renderSeconds += seconds;
                else workerSeconds += seconds;
            }
        });
        worker.Start();

        AnsiConsole.MarkupLine($"Loading the model and starting the pipeline ({(serviceBus ? "Service Bus test peer" : "Storage Queues")})…");
        var options = new LocalPipelineOptions
        {
            StorageConnectionString = connection,
            ModelsFolder = DemoModel.ModelsFolder,
            PollInterval = TimeSpan.FromMilliseconds(100),
            Settings = settings,
        };
        await using var pipeline = await LocalPipeline.StartAsync(options, OnCompletion,
            logging => logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Azure", LogLevel.Error), cancellationToken);

        var client = new JobClient(StorageClients.CreateBlobService(new PipelineStorageOptions { ConnectionString = connection }));
        // One small synthetic scene for every job: the load is the pipeline's, not the image decoder's.
        var item = new SceneGenerator().Generate(DatasetSplits.Seed(DatasetSplit.Test, 0));
        byte[] image = PngFiles.Encode(SceneRenderer.Render(item.Scene));
        var latencies = new ConcurrentBag<double>();
        double modelSeconds = 0;
        int succeeded = 0, failed = 0, next = -1;
        var clock = Stopwatch.StartNew();
        await AnsiConsole.Progress().AutoRefresh(!Console.IsOutputRedirected).StartAsync(async ctx =>
        {
            var progress = ctx.AddTask("jobs", maxValue: count);
            async Task ClientAsync()
            {
                while (Interlocked.Increment(ref next) < count)
                {
                    string jobId = JobClient.NewJobId();
                    var done = Waiter(jobId);
                    long start = Stopwatch.GetTimestamp();
                    var manifest = new JobManifest { Prompt = item.Question, Image = "image.png", Model = DemoModel.Id, Method = method, MaxNewTokens = maxNewTokens };
                    await client.SubmitAsync(jobId, new JobSubmission(image, manifest), cancellationToken);
                    var completion = await done.Task.WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
                    latencies.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
                    if (completion.Status == JobStatus.Succeeded) Interlocked.Increment(ref succeeded);
                    else Interlocked.Increment(ref failed);
                    lock (latencies) modelSeconds += completion.Timings?.TotalSeconds ?? 0;
                    progress.Increment(1);
                }
            }
            await Task.WhenAll(Enumerable.Range(0, inFlight).Select(_ => Task.Run(ClientAsync, cancellationToken)));
        });
        var wall = clock.Elapsed;
        await pipeline.StopAsync(CancellationToken.None);
        return new Report(serviceBus ? "service-bus" : "storage-queues", count, succeeded, failed, inFlight, wall, latencies.Order().ToList(),
            modelSeconds, renderSeconds, workerSeconds);
    }

    /// <summary>
    /// Points the pipeline at the peer (work queue and completion topic as the deployment names them) and subscribes to
    /// the topic, as a client of a deployed pipeline would.
    /// </summary>
    private static async Task<ServiceBusProcessor> SubscribeAsync(ServiceBusTestPeer peer, Dictionary<string, string?> settings,
        Func<CompletionEvent, Task> onCompletion, CancellationToken cancellationToken)
    {
        var transport = new ServiceBusTransportOptions();
        const string subscription = "bench";
        peer.CreateQueue(transport.QueueName, new PeerEntityOptions { LockDuration = TimeSpan.FromMinutes(1), DuplicateDetectionWindow = TimeSpan.FromMinutes(10) });
        peer.CreateTopic(transport.TopicName, [subscription]);
        settings[$"{PipelineConfiguration.Transport}:Kind"] = nameof(TransportKind.ServiceBus);
        settings[$"{PipelineConfiguration.ServiceBus}:ConnectionString"] = peer.ConnectionString;

        var client = new ServiceBusClient(peer.ConnectionString);
        var processor = client.CreateProcessor(transport.TopicName, subscription, new ServiceBusProcessorOptions { MaxConcurrentCalls = 4 });
        processor.ProcessMessageAsync += args => onCompletion(PipelineJson.Deserialize<CompletionEvent>(args.Message.Body));
        processor.ProcessErrorAsync += args =>
        {
            Console.Error.WriteLine($"completion subscription: {args.Exception.Message}");
            return Task.CompletedTask;
        };
        await processor.StartProcessingAsync(cancellationToken);
        return processor;
    }

    private static void Print(Report report)
    {
        double Percentile(double p) => report.LatencySeconds[Math.Min(report.LatencySeconds.Count - 1, (int)Math.Ceiling(p * report.LatencySeconds.Count) - 1)];
        double wall = report.Wall.TotalSeconds;
        int done = Math.Max(1, report.Succeeded + report.Failed);
        var table = new Table().AddColumns("measure", "value");
        table.AddRow("transport", report.Transport);
        table.AddRow("jobs", $"{report.Jobs} ({report.Succeeded} succeeded, {report.Failed} failed), {report.InFlight} in flight");
        table.AddRow("wall time", $"{wall:F1} s");
        table.AddRow("throughput", $"{report.Jobs / wall:F2} jobs/s");
        table.AddRow("end-to-end latency p50 / p95", $"{Percentile(0.50) * 1000:F0} ms / {Percentile(0.95) * 1000:F0} ms");
        double worker = report.WorkerSeconds, rest = worker - report.ModelSeconds - report.RenderSeconds;
        string Share(double seconds) => $"{seconds / done * 1000:F0} ms ({100 * seconds / worker:F1} %)";
        table.AddRow("worker busy per job (receipt to settled)", $"{worker / done * 1000:F0} ms ({100 * worker / wall:F1} % of wall time)");
        table.AddRow("  model work (generate + explain)", Share(report.ModelSeconds));
        table.AddRow("  rendering the result files", Share(report.RenderSeconds));
        table.AddRow("  the rest: storage and bus I/O, validation", Share(rest));
        AnsiConsole.Write(table);
    }
}
