using Glimpse.Core.Contracts;
using Glimpse.Core.Results;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Transport;
using Glimpse.Pipeline.Transport.StorageQueues;
using Glimpse.Processing.Jobs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Glimpse.Pipeline.Tests.Handlers;

/// <summary>The worker against real Azurite and the tiny LLaVA model: results, idempotence, retries, poison, conflicts, shutdown.</summary>
[Collection(PipelineCollection.Name)]
public sealed class JobProcessorTests(Azurite azurite, TinyModels models)
{
    private static readonly WorkerLoopOptions LoopOptions = new()
    {
        LockRenewalInterval = TimeSpan.FromSeconds(5),
        IdleDelay = TimeSpan.FromMilliseconds(100),
    };

    private async Task<(PipelineHarness Harness, CountingEngine Engine)> HarnessAsync(int maxDeliveryCount = 5)
    {
        var engine = new CountingEngine(models.Engine);
        return (await PipelineHarness.CreateAsync(azurite, engine, models.Catalog.ModelIds, maxDeliveryCount), engine);
    }

    /// <summary>Uploads and ingests a job; returns its id.</summary>
    private static async Task<string> SubmitAsync(PipelineHarness harness, byte[]? image = null)
    {
        string jobId = PipelineHarness.NewJobId();
        string manifestBlob = await harness.UploadJobAsync(jobId, TestManifests.Bytes(TestManifests.Valid()), image ?? TinyModels.LlavaImage());
        Assert.Equal(IngestDecision.Accepted, (await harness.Ingest.HandleAsync(manifestBlob, CancellationToken.None)).Decision);
        return jobId;
    }

    /// <summary>Receives the next message and processes it, as one turn of the worker loop.</summary>
    private static async Task ProcessNextAsync(PipelineHarness harness)
    {
        var work = await harness.Transport.Receiver.ReceiveAsync(CancellationToken.None);
        Assert.NotNull(work);
        await harness.Processor.ProcessAsync(work, CancellationToken.None);
    }

    private static async Task RunLoopUntilAsync(PipelineHarness harness, IJobProcessor processor, Func<Task<bool>> done)
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var loop = new WorkerLoop(harness.Transport.Receiver, processor, LoopOptions, NullLogger<WorkerLoop>.Instance).RunAsync(stopping.Token);
        while (!await done())
        {
            Assert.False(loop.IsCompleted, "the worker loop ended early");
            await Task.Delay(100);
        }
        await stopping.CancelAsync();
        await loop;
    }

    private static async Task<JobStatus?> StatusAsync(PipelineHarness harness, string jobId) =>
        (await harness.Statuses.ReadAsync(jobId, CancellationToken.None))?.Status;

    [Fact]
    public async Task The_worker_loop_runs_a_job_end_to_end_on_the_tiny_llava_model_in_one_trace()
    {
        var (harness, engine) = await HarnessAsync();
        using var recorder = new ActivityRecorder();
        string jobId = await SubmitAsync(harness);

        await RunLoopUntilAsync(harness, harness.Processor, async () => await StatusAsync(harness, jobId) == JobStatus.Succeeded);

        Assert.Equal(1, engine.Calls);
        var names = BlobLayout.ResultBlobs(jobId);
        var result = ResultJson.Deserialize((await harness.ResultBlobAsync(names.ResultJson))!.ToString());
        Assert.Equal("glimpse", result.Method);
        Assert.InRange(result.AnswerTokens.Count, 1, TestManifests.TestMaxNewTokens);
        foreach (string png in new[] { names.HeatmapPng, names.OverlayPng })
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await harness.ResultBlobAsync(png))!.ToArray()[..4]);
        Assert.StartsWith("<!DOCTYPE html>", (await harness.ResultBlobAsync(names.ReportHtml))!.ToString(), StringComparison.OrdinalIgnoreCase);

        var status = (await harness.Statuses.ReadAsync(jobId, CancellationToken.None))!;
        Assert.Equal(1, status.Attempt);
        Assert.Equal(names, status.Results);
        Assert.NotNull(status.CompletionPublishedAt);

        var completion = Assert.Single(await harness.CompletionsAsync());
        Assert.Equal(JobStatus.Succeeded, completion.Status);
        Assert.Equal((TinyModels.Llava, "glimpse", "client-42"), (completion.Model, completion.Method, completion.CorrelationId));
        Assert.Equal("vision", completion.Tags["team"]);
        Assert.Equal(result.Answer, completion.Answer);
        Assert.Equal(result.Timings.TotalSeconds, completion.Timings!.TotalSeconds);
        Assert.EndsWith($"/{BlobLayout.ResultsContainer}/{names.ReportHtml}", completion.Results!.ReportHtml);
        Assert.Null(completion.Reason);
        Assert.Equal(0, await harness.CountAsync(harness.QueueOptions.WorkQueueName));

        var spans = recorder.OfJob(jobId);
        Assert.Contains(spans, s => s.DisplayName == "ingest glimpse-jobs");
        Assert.Contains(spans, s => s.DisplayName == "process glimpse-jobs");
        Assert.Contains(spans, s => s.DisplayName == "publish glimpse-completed");
        Assert.Single(spans.Select(s => s.TraceId).Distinct());
    }

    [Theory]
    [InlineData("qwen2vl")]
    [InlineData("qwen25vl")]
    public async Task The_worker_explains_a_job_for_every_family_and_its_result_carries_the_layout(string set)
    {
        var (harness, _) = await HarnessAsync();
        string jobId = PipelineHarness.NewJobId();
        byte[] image = File.ReadAllBytes(Path.Combine(Glimpse.Model.Tests.ReferenceSet.Root, $"{set}_input.png"));
        string manifestBlob = await harness.UploadJobAsync(jobId, TestManifests.Bytes(TestManifests.Valid(model: $"{set}_tiny")), image);
        Assert.Equal(IngestDecision.Accepted, (await harness.Ingest.HandleAsync(manifestBlob, CancellationToken.None)).Decision);

        await ProcessNextAsync(harness);

        Assert.Equal(JobStatus.Succeeded, await StatusAsync(harness, jobId));
        var result = ResultJson.Deserialize((await harness.ResultBlobAsync(BlobLayout.ResultBlobs(jobId).ResultJson))!.ToString());
        Assert.Equal(set == "qwen2vl" ? "qwen2_vl" : "qwen2_5_vl", result.Model.ModelType);
        var grid = Assert.Single(result.ImageMap.Layout.Grids);
        Assert.Equal(set == "qwen2vl" ? (2, 3) : (2, 5), (grid.Rows, grid.Columns));
        Assert.Equal(grid.Rows * grid.Columns, result.ImageMap.Values.Length);
    }

    [Fact]
    public async Task A_redelivered_finished_job_is_not_recomputed_and_completes_once()
    {
        var (harness, engine) = await HarnessAsync();
        string jobId = await SubmitAsync(harness);
        await ProcessNextAsync(harness);

        await harness.Transport.WorkQueue.SendAsync(WorkOf(jobId), CancellationToken.None);
        await ProcessNextAsync(harness);

        Assert.Equal(1, engine.Calls);
        Assert.Single(await harness.CompletionsAsync());
        Assert.Equal(JobStatus.Succeeded, await StatusAsync(harness, jobId));
        Assert.Equal(0, await harness.CountAsync(harness.QueueOptions.WorkQueueName));
    }

    /// <summary>The work message ingest sent for a job, as a redelivery carries it.</summary>
    private static WorkMessage WorkOf(string jobId) => new()
    {
        JobId = jobId, ManifestBlob = BlobLayout.ManifestBlob(jobId), ImageBlob = BlobLayout.ImageBlob(jobId, "image.png"),
        Model = TinyModels.Llava, Method = "glimpse", CorrelationId = "client-42",
    };

    [Fact]
    public async Task Results_written_before_a_crash_are_finished_off_without_recomputing()
    {
        var (harness, engine) = await HarnessAsync();
        string finished = await SubmitAsync(harness);
        await ProcessNextAsync(harness);
        string crashed = await SubmitAsync(harness);
        // The crashed delivery wrote every result (result.json last) and stopped before recording success.
        var from = BlobLayout.ResultBlobs(finished);
        var to = BlobLayout.ResultBlobs(crashed);
        foreach (var (source, target) in new[] { (from.HeatmapPng, to.HeatmapPng), (from.OverlayPng, to.OverlayPng), (from.ReportHtml, to.ReportHtml), (from.ResultJson, to.ResultJson) })
            Assert.True(await harness.Results.TryCreateAsync(target, (await harness.ResultBlobAsync(source))!, "application/octet-stream", CancellationToken.None));

        await ProcessNextAsync(harness);

        Assert.Equal(1, engine.Calls);
        Assert.Equal(JobStatus.Succeeded, await StatusAsync(harness, crashed));
        var completion = Assert.Single(await harness.CompletionsAsync(), c => c.JobId == crashed);
        Assert.NotNull(completion.Answer);
        Assert.NotNull(completion.Timings);
    }

    [Fact]
    public async Task A_job_that_keeps_failing_transiently_is_dead_lettered_after_max_deliveries_with_a_failure_result()
    {
        var (harness, engine) = await HarnessAsync(maxDeliveryCount: 3);
        engine.Before = _ => throw new IOException("the model share is unreachable");
        string jobId = await SubmitAsync(harness);

        for (int delivery = 1; delivery <= 3; delivery++)
        {
            await ProcessNextAsync(harness);
            if (delivery < 3) Assert.Equal(JobStatus.Running, await StatusAsync(harness, jobId));
        }

        Assert.Equal(3, engine.Calls);
        Assert.Equal(0, await harness.CountAsync(harness.QueueOptions.WorkQueueName));
        var dead = PipelineJson.Deserialize<DeadLetterRecord>(Assert.Single(await harness.PeekAsync(harness.QueueOptions.PoisonQueueName)));
        Assert.Equal(jobId, dead.MessageId);
        Assert.Equal(JobProcessor.DeadLetterReasons.MaxDeliveryCountExceeded, dead.Reason);
        Assert.Contains("gave up after 3 deliveries; the last failed with: the model share is unreachable", dead.Description);
        Assert.Equal(3, dead.DeliveryCount);

        var status = (await harness.Statuses.ReadAsync(jobId, CancellationToken.None))!;
        Assert.Equal((JobStatus.Failed, 3), (status.Status, status.Attempt));
        var failure = PipelineJson.Deserialize<FailureDocument>((await harness.ResultBlobAsync(BlobLayout.FailureBlob(jobId)))!);
        Assert.Equal(FailureStage.Worker, failure.Stage);
        Assert.Equal(dead.Description, failure.Reason);
        var completion = Assert.Single(await harness.CompletionsAsync());
        Assert.Equal((JobStatus.Failed, failure.Reason), (completion.Status, completion.Reason));
    }

    [Fact]
    public async Task A_message_delivered_more_often_than_allowed_is_given_up_before_running()
    {
        var (harness, engine) = await HarnessAsync(maxDeliveryCount: 1);
        string jobId = await SubmitAsync(harness);
        // A worker that crashed mid-job never settled its delivery: the lock lapsed and the count went up.
        var first = await harness.Transport.Receiver.ReceiveAsync(CancellationToken.None);
        await first!.AbandonAsync(CancellationToken.None);

        await ProcessNextAsync(harness);

        Assert.Equal(0, engine.Calls);
        Assert.Equal(JobStatus.Failed, await StatusAsync(harness, jobId));
        var dead = PipelineJson.Deserialize<DeadLetterRecord>(Assert.Single(await harness.PeekAsync(harness.QueueOptions.PoisonQueueName)));
        Assert.Equal("delivered 2 times without finishing; the limit is 1", dead.Description);
    }

    [Fact]
    public async Task An_image_whose_header_passed_but_whose_data_is_corrupt_is_poison()
    {
        var (harness, engine) = await HarnessAsync();
        byte[] image = TinyModels.LlavaImage();
        string jobId = await SubmitAsync(harness, image[..(image.Length / 2)]);

        await ProcessNextAsync(harness);

        Assert.Equal(0, engine.Calls);
        var failure = PipelineJson.Deserialize<FailureDocument>((await harness.ResultBlobAsync(BlobLayout.FailureBlob(jobId)))!);
        Assert.Contains("truncated", failure.Reason);
        var dead = PipelineJson.Deserialize<DeadLetterRecord>(Assert.Single(await harness.PeekAsync(harness.QueueOptions.PoisonQueueName)));
        Assert.Equal(JobProcessor.DeadLetterReasons.InvalidJob, dead.Reason);
        Assert.Equal(JobStatus.Failed, Assert.Single(await harness.CompletionsAsync()).Status);
        Assert.Null(await harness.ResultBlobAsync(BlobLayout.ResultBlobs(jobId).ResultJson));
    }

    [Fact]
    public async Task An_explain_error_is_poison_on_the_first_delivery()
    {
        var (harness, engine) = await HarnessAsync();
        engine.Before = _ => throw new InvalidOperationException("the answer has no tokens");
        string jobId = await SubmitAsync(harness);

        await ProcessNextAsync(harness);

        Assert.Equal(1, engine.Calls);
        var dead = PipelineJson.Deserialize<DeadLetterRecord>(Assert.Single(await harness.PeekAsync(harness.QueueOptions.PoisonQueueName)));
        Assert.Equal(JobProcessor.DeadLetterReasons.ExplainFailed, dead.Reason);
        Assert.Equal("explaining failed: the answer has no tokens", (await harness.Statuses.ReadAsync(jobId, CancellationToken.None))!.Reason);
    }

    [Fact]
    public async Task Results_another_delivery_wrote_first_are_kept_and_count_as_written()
    {
        var (harness, engine) = await HarnessAsync();
        string jobId = await SubmitAsync(harness);
        var names = BlobLayout.ResultBlobs(jobId);
        var theirs = BinaryData.FromString("written by the other delivery");
        engine.Before = async ct =>
        {
            Assert.True(await harness.Results.TryCreateAsync(names.HeatmapPng, theirs, "image/png", ct));
            Assert.True(await harness.Results.TryCreateAsync(names.ResultJson, theirs, "application/json", ct));
        };

        await ProcessNextAsync(harness);

        Assert.Equal(theirs.ToString(), (await harness.ResultBlobAsync(names.HeatmapPng))!.ToString());
        Assert.Equal(theirs.ToString(), (await harness.ResultBlobAsync(names.ResultJson))!.ToString());
        Assert.NotEqual(theirs.ToString(), (await harness.ResultBlobAsync(names.OverlayPng))!.ToString());
        Assert.Equal(JobStatus.Succeeded, await StatusAsync(harness, jobId));
        Assert.Single(await harness.CompletionsAsync());
        Assert.Equal(0, await harness.CountAsync(harness.QueueOptions.WorkQueueName));
    }

    [Fact]
    public async Task Shutdown_after_the_outcome_is_recorded_still_completes_the_message()
    {
        var (harness, _) = await HarnessAsync();
        string jobId = await SubmitAsync(harness);
        var work = await harness.Transport.Receiver.ReceiveAsync(CancellationToken.None);
        using var stopping = new CancellationTokenSource();

        // The host stops at the last moment: the status says succeeded, the message is about to be completed.
        await harness.Processor.ProcessAsync(new StopsBeforeSettling(work!, stopping), stopping.Token);

        Assert.Equal(JobStatus.Succeeded, await StatusAsync(harness, jobId));
        Assert.Equal(0, await harness.CountAsync(harness.QueueOptions.WorkQueueName));
    }

    /// <summary>A delivery whose host begins shutting down when the processor settles it.</summary>
    private sealed class StopsBeforeSettling(IReceivedWork inner, CancellationTokenSource stopping) : IReceivedWork
    {
        public string MessageId => inner.MessageId;
        public string? CorrelationId => inner.CorrelationId;
        public string? ContentType => inner.ContentType;
        public BinaryData Body => inner.Body;
        public IReadOnlyDictionary<string, object> ApplicationProperties => inner.ApplicationProperties;
        public int DeliveryCount => inner.DeliveryCount;
        public DateTimeOffset LockedUntil => inner.LockedUntil;

        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            await stopping.CancelAsync();
            await inner.CompleteAsync(cancellationToken);
        }

        public Task AbandonAsync(CancellationToken cancellationToken) => inner.AbandonAsync(cancellationToken);
        public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken) =>
            inner.DeadLetterAsync(reason, description, cancellationToken);
        public Task RenewLockAsync(CancellationToken cancellationToken) => inner.RenewLockAsync(cancellationToken);
    }

    [Fact]
    public async Task A_malformed_message_is_dead_lettered()
    {
        var (harness, _) = await HarnessAsync();
        await harness.Queues.GetQueueClient(harness.QueueOptions.WorkQueueName).SendMessageAsync("{\"job_id\": \"../etc\"}");

        await ProcessNextAsync(harness);

        var dead = PipelineJson.Deserialize<DeadLetterRecord>(Assert.Single(await harness.PeekAsync(harness.QueueOptions.PoisonQueueName)));
        Assert.Equal(JobProcessor.DeadLetterReasons.MalformedMessage, dead.Reason);
    }

    [Fact]
    public async Task A_worker_stopped_mid_job_abandons_it_and_a_restarted_worker_completes_it_once()
    {
        var (harness, engine) = await HarnessAsync();
        var started = new TaskCompletionSource();
        engine.Before = async ct =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        };
        string jobId = await SubmitAsync(harness);

        using (var stopping = new CancellationTokenSource())
        {
            var loop = new WorkerLoop(harness.Transport.Receiver, harness.Processor, LoopOptions, NullLogger<WorkerLoop>.Instance).RunAsync(stopping.Token);
            await started.Task.WaitAsync(TimeSpan.FromMinutes(1));
            await stopping.CancelAsync();
            await loop.WaitAsync(TimeSpan.FromMinutes(1));
        }
        Assert.Equal(JobStatus.Running, await StatusAsync(harness, jobId));
        Assert.Equal(1, await harness.CountAsync(harness.QueueOptions.WorkQueueName));

        engine.Before = null;
        await RunLoopUntilAsync(harness, harness.Processor, async () => await StatusAsync(harness, jobId) == JobStatus.Succeeded);

        Assert.Equal(2, engine.Calls);
        Assert.Equal(2, (await harness.Statuses.ReadAsync(jobId, CancellationToken.None))!.Attempt);
        Assert.Single(await harness.CompletionsAsync());
        Assert.Equal(0, await harness.CountAsync(harness.QueueOptions.WorkQueueName));
    }
}
