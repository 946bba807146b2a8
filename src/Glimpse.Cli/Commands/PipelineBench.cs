using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using Glimpse.Core.Contracts;
using Glimpse.Demo.Questions;
using Glimpse.Demo.Scenes;
using Glimpse.Pipeline.Client;
using Glimpse.Pipeline.Hosting;
using Glimpse.Pipeline.Storage;
using Glimpse.Processing.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Glimpse.Cli.Commands;

/// <summary>
/// <c>glimpse bench pipeline</c>: a bounded load test of the local pipeline on loopback — the same LocalPipeline
/// <c>glimpse local</c> runs (ingest poller, Storage Queues on Azurite, one worker), fed jobs by clients that keep
/// <c>--in-flight</c> jobs submitted at a time. It prints jobs/s, end-to-end latency (upload start to completion event)
/// and how the worker's wall time splits between model work (generate + explain, from each job's timings) and the rest:
/// blob and queue I/O, polling, validation and rendering the result files.
/// </summary>
internal static class PipelineBench
{
    public static Command Create()
    {
        var jobs = new Option<int>("--jobs") { Description = "Jobs to run.", DefaultValueFactory = _ => 1000 };
        var inFlight = new Option<int>("--in-flight") { Description = "Jobs submitted and not yet completed at any time (keeps the worker busy without a backlog).", DefaultValueFactory = _ => 4 };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Answer length bound of every job (the smallest setting is 1).", DefaultValueFactory = _ => 1 };
        var method = new Option<string>("--method") { Description = "Explainer of every job.", DefaultValueFactory = _ => "glimpse" };
        var models = new Option<string?>("--models") { Description = "Models folder (default: the embedded demo model's)." };
        var model = new Option<string?>("--model") { Description = "Model id (default: the demo model)." };
        var port = new Option<int>("--azurite-port") { Description = "Azurite's blob port (started when none answers).", DefaultValueFactory = _ => 10100 };
        var command = new Command("pipeline", "Load-test the local pipeline: jobs/s, end-to-end latency, model work vs plumbing.")
        {
            jobs, inFlight, maxNewTokens, method, models, model, port,
        };
        command.SetAction((parse, cancellationToken) => CommonOptions.RunAsync(async () =>
        {
            int count = parse.GetValue(jobs), parallel = parse.GetValue(inFlight);
            if (count < 1) throw new UserInputException("--jobs must be at least 1.");
            if (parallel < 1) throw new UserInputException("--in-flight must be at least 1.");
            using var azurite = await AzuriteLauncher.EnsureRunningAsync(parse.GetValue(port), Console.Error, cancellationToken);
            var report = await RunAsync(azurite.ConnectionString, LocalDefaults.ModelsFolder(parse.GetValue(models)), LocalDefaults.ModelId(parse.GetValue(model)),
                parse.GetValue(method)!, parse.GetValue(maxNewTokens), count, parallel, cancellationToken);
            Print(report);
            return report.Failed == 0 ? 0 : 1;
        }));
        return command;
    }

    public sealed record Report(int Jobs, int Succeeded, int Failed, int InFlight, TimeSpan Wall, IReadOnlyList<double> LatencySeconds, double ModelSeconds);

    public static async Task<Report> RunAsync(string connection, string modelsFolder, string modelId, string method, int maxNewTokens, int count, int inFlight,
        CancellationToken cancellationToken)
    {
        var completions = new ConcurrentDictionary<string, TaskCompletionSource<CompletionEvent>>(StringComparer.Ordinal);
        TaskCompletionSource<CompletionEvent> Waiter(string jobId) => completions.GetOrAdd(jobId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        // Queues of this run's own, so events of an earlier run in the same Azurite are not counted.
        string prefix = "bench" + Guid.NewGuid().ToString("N")[..8];
        var options = new LocalPipelineOptions
        {
            StorageConnectionString = connection,
            ModelsFolder = modelsFolder,
            PollInterval = TimeSpan.FromMilliseconds(100),
            Settings = new Dictionary<string, string?>
            {
                [$"{PipelineConfiguration.StorageQueues}:WorkQueueName"] = prefix + "-jobs",
                [$"{PipelineConfiguration.StorageQueues}:CompletionQueueName"] = prefix + "-completed",
                [$"{PipelineConfiguration.Worker}:IdleDelay"] = "00:00:00.050",
            },
        };
        AnsiConsole.MarkupLine("Loading the model and starting the pipeline…");
        await using var pipeline = await LocalPipeline.StartAsync(options, completion =>
        {
            Waiter(completion.JobId).TrySetResult(completion);
            return Task.CompletedTask;
        }, logging => logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Azure", LogLevel.Error), cancellationToken);

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
                    var manifest = new JobManifest { Prompt = item.Question, Image = "image.png", Model = modelId, Method = method, MaxNewTokens = maxNewTokens };
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
        return new Report(count, succeeded, failed, inFlight, wall, latencies.Order().ToList(), modelSeconds);
    }

    private static void Print(Report report)
    {
        double Percentile(double p) => report.LatencySeconds[Math.Min(report.LatencySeconds.Count - 1, (int)Math.Ceiling(p * report.LatencySeconds.Count) - 1)];
        double modelShare = report.ModelSeconds / report.Wall.TotalSeconds;
        var table = new Table().AddColumns("measure", "value");
        table.AddRow("jobs", $"{report.Jobs} ({report.Succeeded} succeeded, {report.Failed} failed), {report.InFlight} in flight");
        table.AddRow("wall time", $"{report.Wall.TotalSeconds:F1} s");
        table.AddRow("throughput", $"{report.Jobs / report.Wall.TotalSeconds:F2} jobs/s");
        table.AddRow("end-to-end latency p50 / p95", $"{Percentile(0.50) * 1000:F0} ms / {Percentile(0.95) * 1000:F0} ms");
        table.AddRow("model work per job (generate + explain)", $"{report.ModelSeconds / Math.Max(1, report.Succeeded) * 1000:F0} ms");
        table.AddRow("worker time in model work", $"{100 * modelShare:F1} %");
        table.AddRow("worker time in plumbing (blob I/O, queues, polling, validation, rendering)", $"{100 * (1 - modelShare):F1} %");
        AnsiConsole.Write(table);
    }
}
