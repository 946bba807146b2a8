using Azure.Storage.Blobs.Models;
using Glimpse.Core.Contracts;
using Glimpse.Core.Results;
using Glimpse.Explain;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Tests;
using Glimpse.Processing.Models;
using Microsoft.Extensions.DependencyInjection;

namespace Glimpse.Hosts.Tests;

/// <summary>The whole pipeline in one process (what <c>glimpse local</c> runs), on real Azurite and the tiny LLaVA model.</summary>
[Collection(PipelineCollection.Name)]
public sealed class LocalPipelineTests(Azurite azurite)
{
    [Fact]
    public async Task An_uploaded_job_gets_its_results_a_completion_event_and_status_succeeded()
    {
        await using var local = await RunningPipeline.StartAsync(azurite);
        string jobId = RunningPipeline.NewJobId();

        await local.UploadJobAsync(jobId, TestManifests.Bytes(TestManifests.Valid()), TinyModels.LlavaImage());
        var completion = await local.CompletionOfAsync(jobId);

        Assert.Equal(JobStatus.Succeeded, completion.Status);
        Assert.Equal((TinyModels.Llava, "glimpse", "client-42"), (completion.Model, completion.Method, completion.CorrelationId));
        Assert.False(string.IsNullOrEmpty(completion.Answer));
        var names = BlobLayout.ResultBlobs(jobId);
        var results = local.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer);
        var result = ResultJson.Deserialize((await results.GetBlobClient(names.ResultJson).DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal(completion.Answer, result.Answer);
        Assert.InRange(result.AnswerTokens.Count, 1, TestManifests.TestMaxNewTokens);
        foreach (string blob in new[] { names.OverlayPng, names.HeatmapPng, names.ReportHtml })
            Assert.True((await results.GetBlobClient(blob).ExistsAsync()).Value, blob);
        Assert.EndsWith($"/{BlobLayout.ResultsContainer}/{names.ReportHtml}", completion.Results!.ReportHtml);
        var status = await local.Statuses.ReadAsync(jobId, CancellationToken.None);
        Assert.Equal((JobStatus.Succeeded, 1), (status!.Status, status.Attempt));
        Assert.NotNull(status.CompletionPublishedAt);
    }

    [Fact]
    public async Task A_rejected_manifest_gets_a_failure_result_and_a_completion_event_with_the_reason()
    {
        await using var local = await RunningPipeline.StartAsync(azurite);
        string jobId = RunningPipeline.NewJobId();

        await local.UploadJobAsync(jobId, TestManifests.Bytes(TestManifests.Valid().With("model", "gpt-4")), TinyModels.LlavaImage());
        var completion = await local.CompletionOfAsync(jobId);

        Assert.Equal(JobStatus.Failed, completion.Status);
        Assert.Contains("model 'gpt-4' is not known", completion.Reason);
        var failure = PipelineJson.Deserialize<FailureDocument>((await local.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer)
            .GetBlobClient(BlobLayout.FailureBlob(jobId)).DownloadContentAsync()).Value.Content);
        Assert.Equal(FailureStage.Ingest, failure.Stage);
        Assert.Equal(completion.Reason, failure.Reason);
        Assert.Equal(JobStatus.Failed, (await local.Statuses.ReadAsync(jobId, CancellationToken.None))!.Status);
        Assert.Equal(0, await local.CountAsync(local.WorkQueue));
    }

    [Fact]
    public async Task A_corrupt_image_with_a_valid_header_fails_in_the_worker_with_a_reason_and_is_dead_lettered()
    {
        await using var local = await RunningPipeline.StartAsync(azurite);
        string jobId = RunningPipeline.NewJobId();
        byte[] truncated = TinyModels.LlavaImage()[..120];

        await local.UploadJobAsync(jobId, TestManifests.Bytes(TestManifests.Valid()), truncated);
        var completion = await local.CompletionOfAsync(jobId);

        Assert.Equal(JobStatus.Failed, completion.Status);
        Assert.False(string.IsNullOrWhiteSpace(completion.Reason));
        var failure = PipelineJson.Deserialize<FailureDocument>((await local.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer)
            .GetBlobClient(BlobLayout.FailureBlob(jobId)).DownloadContentAsync()).Value.Content);
        Assert.Equal(FailureStage.Worker, failure.Stage);
        Assert.Equal(1, await local.CountAsync(local.WorkQueue + "-poison"));
        Assert.False((await local.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer).GetBlobClient(BlobLayout.ResultBlobs(jobId).ResultJson).ExistsAsync()).Value);
    }

    [Fact]
    public async Task The_same_job_uploaded_again_yields_one_result_set_and_one_success()
    {
        string prefix = RunningPipeline.NewQueuePrefix();
        string jobId = RunningPipeline.NewJobId();
        var counting = new CountingEngine();
        await using var local = await RunningPipeline.StartAsync(azurite, prefix, services =>
            services.AddSingleton<IExplainEngine>(sp => counting.Wrap(new CatalogExplainEngine(sp.GetRequiredService<IModelCatalog>()))));
        var ingest = local.Pipeline.Services.GetRequiredService<IngestHandler>();
        byte[] manifest = TestManifests.Bytes(TestManifests.Valid());

        string manifestBlob = await local.UploadJobAsync(jobId, manifest, TinyModels.LlavaImage());
        await local.UploadJobAsync(jobId, manifest, TinyModels.LlavaImage());
        await local.CompletionOfAsync(jobId);
        // Uploaded a third time after it finished: a new blob version, which ingest sees as the same job.
        await local.UploadJobAsync(jobId, manifest, TinyModels.LlavaImage());
        var again = await ingest.HandleAsync(manifestBlob, CancellationToken.None);

        Assert.Equal(IngestDecision.Duplicate, again.Decision);
        Assert.Equal(1, counting.Calls);
        Assert.Equal(0, await local.CountAsync(local.WorkQueue));
        var status = await local.Statuses.ReadAsync(jobId, CancellationToken.None);
        Assert.Equal((JobStatus.Succeeded, 1), (status!.Status, status.Attempt));
        Assert.Single(local.CompletionsOf(jobId));
        int resultBlobs = 0;
        await foreach (BlobItem _ in local.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer).GetBlobsAsync(BlobTraits.None, BlobStates.None, jobId + "/", default))
            resultBlobs++;
        Assert.Equal(5, resultBlobs); // status.json and the four results, each written once
    }

    [Fact]
    public async Task A_worker_stopped_mid_job_hands_the_job_back_and_a_restarted_one_completes_it_exactly_once()
    {
        string prefix = RunningPipeline.NewQueuePrefix();
        string jobId = RunningPipeline.NewJobId();
        var stuck = new StuckEngine();
        var first = await RunningPipeline.StartAsync(azurite, prefix, services => services.AddSingleton<IExplainEngine>(stuck));
        await first.UploadJobAsync(jobId, TestManifests.Bytes(TestManifests.Valid()), TinyModels.LlavaImage());
        await stuck.Started.Task.WaitAsync(TimeSpan.FromMinutes(2));

        await first.DisposeAsync();

        Assert.True(stuck.Cancelled);
        Assert.Empty(first.Completions);
        var interrupted = await first.Statuses.ReadAsync(jobId, CancellationToken.None);
        Assert.Equal((JobStatus.Running, 1), (interrupted!.Status, interrupted.Attempt));
        // Abandoned, not left to its lock's expiry: visible again at once (peeking sees only visible messages).
        Assert.Single((await first.Queues.GetQueueClient(first.WorkQueue).PeekMessagesAsync(8)).Value);

        await using var second = await RunningPipeline.StartAsync(azurite, prefix);
        var completion = await second.CompletionOfAsync(jobId);

        Assert.Equal(JobStatus.Succeeded, completion.Status);
        var status = await second.Statuses.ReadAsync(jobId, CancellationToken.None);
        Assert.Equal((JobStatus.Succeeded, 2), (status!.Status, status.Attempt));
        Assert.Single(second.CompletionsOf(jobId));
        Assert.Equal(0, await second.CountAsync(second.WorkQueue));
        Assert.Equal(0, await second.CountAsync(second.CompletionQueue));
    }

    [Fact]
    public async Task An_inbox_image_with_a_prompt_in_its_metadata_runs_as_a_job()
    {
        await using var local = await RunningPipeline.StartAsync(azurite);
        string name = $"inbox/{Guid.NewGuid():N}/Red Ball.PNG";
        var metadata = new Dictionary<string, string> { ["prompt"] = "what color is the ball", ["model"] = TinyModels.Llava, ["max_new_tokens"] = "4" };

        await local.Blobs.GetBlobContainerClient(BlobLayout.JobsContainer).GetBlobClient(name)
            .UploadAsync(BinaryData.FromBytes(TinyModels.LlavaImage()), new BlobUploadOptions { Metadata = metadata });
        CompletionEvent? completion = null;
        for (var deadline = DateTime.UtcNow.AddMinutes(3); completion is null && DateTime.UtcNow < deadline; await Task.Delay(100))
            completion = local.Completions.FirstOrDefault(c => c.CorrelationId == name);

        Assert.NotNull(completion);
        Assert.Equal(JobStatus.Succeeded, completion.Status);
        Assert.StartsWith("inbox-red-ball-", completion.JobId);
        Assert.Equal(name, completion.Tags[InboxHandler.InboxBlobTag]);
    }

    /// <summary>Counts explain runs through the engine the pipeline composed.</summary>
    private sealed class CountingEngine
    {
        private int _calls;
        public int Calls => Volatile.Read(ref _calls);

        public IExplainEngine Wrap(IExplainEngine inner) => new Counted(this, inner);

        private sealed class Counted(CountingEngine owner, IExplainEngine inner) : IExplainEngine
        {
            public Task<ExplainOutcome> ExplainAsync(string modelId, ExplainRequest request, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref owner._calls);
                return inner.ExplainAsync(modelId, request, cancellationToken);
            }
        }
    }

    /// <summary>An engine whose run never ends by itself: the job is in flight until the host stops it.</summary>
    private sealed class StuckEngine : IExplainEngine
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Cancelled { get; private set; }

        public async Task<ExplainOutcome> ExplainAsync(string modelId, ExplainRequest request, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled = true;
                throw;
            }
            throw new InvalidOperationException("unreachable");
        }
    }
}
