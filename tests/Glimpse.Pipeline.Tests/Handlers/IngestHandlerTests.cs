using System.Text.Json;
using System.Text.Json.Nodes;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Telemetry;

namespace Glimpse.Pipeline.Tests.Handlers;

/// <summary>Ingest against real Azurite: accept and queue, reject with a terminal failure, and stay idempotent.</summary>
[Collection(PipelineCollection.Name)]
public sealed class IngestHandlerTests(Azurite azurite, TinyModels models)
{
    private async Task<PipelineHarness> HarnessAsync() => await PipelineHarness.CreateAsync(azurite, models.Engine, models.Catalog.ModelIds);

    [Fact]
    public async Task A_valid_job_is_accepted_and_queued_as_one_claim_check_message()
    {
        var harness = await HarnessAsync();
        string jobId = PipelineHarness.NewJobId();
        string manifestBlob = await harness.UploadJobAsync(jobId, TestManifests.Bytes(TestManifests.Valid()), TinyModels.LlavaImage());
        using var recorder = new ActivityRecorder();

        var outcome = await harness.Ingest.HandleAsync(manifestBlob, CancellationToken.None);

        Assert.Equal(IngestDecision.Accepted, outcome.Decision);
        var status = await harness.Statuses.ReadAsync(jobId, CancellationToken.None);
        Assert.Equal(JobStatus.Accepted, status!.Status);
        Assert.NotNull(status.QueuedAt);
        Assert.Equal(0, status.Attempt);
        Assert.Equal((TinyModels.Llava, "glimpse", "client-42"), (status.Model, status.Method, status.CorrelationId));
        Assert.Equal("vision", status.Tags["team"]);

        var envelope = JsonNode.Parse(Assert.Single(await harness.PeekAsync(harness.QueueOptions.WorkQueueName)).ToString())!;
        Assert.Equal(jobId, (string?)envelope["message_id"]);
        Assert.Equal("client-42", (string?)envelope["correlation_id"]);
        Assert.Equal("application/json", (string?)envelope["content_type"]);
        Assert.Equal(jobId, (string?)envelope["application_properties"]!["job_id"]);
        var traceParent = (string?)envelope["application_properties"]![TraceContext.TraceParent];
        var send = Assert.Single(recorder.OfJob(jobId), a => a.DisplayName == "send glimpse-jobs");
        Assert.Equal(send.Id, traceParent);
        var work = PipelineJson.Deserialize<WorkMessage>(BinaryData.FromString((string)envelope["body"]!));
        Assert.Equal(new WorkMessage
        {
            JobId = jobId, ManifestBlob = manifestBlob, ImageBlob = $"jobs/{jobId}/image.png",
            Model = TinyModels.Llava, Method = "glimpse", CorrelationId = "client-42",
        }, work);
        Assert.Empty(await harness.CompletionsAsync());
    }

    [Fact]
    public async Task A_rejected_manifest_gets_status_failed_a_failure_document_and_a_completion_event()
    {
        var harness = await HarnessAsync();
        string jobId = PipelineHarness.NewJobId();
        var manifest = TestManifests.Valid().With("prompt", "").With("model", "gpt-4");
        string manifestBlob = await harness.UploadJobAsync(jobId, TestManifests.Bytes(manifest), TinyModels.LlavaImage());

        var outcome = await harness.Ingest.HandleAsync(manifestBlob, CancellationToken.None);

        Assert.Equal(IngestDecision.Rejected, outcome.Decision);
        Assert.Equal(2, outcome.Problems.Count);
        var status = await harness.Statuses.ReadAsync(jobId, CancellationToken.None);
        Assert.Equal(JobStatus.Failed, status!.Status);
        Assert.Contains("prompt is empty", status.Reason);
        Assert.Contains("model 'gpt-4' is not known", status.Reason);
        Assert.Equal(BlobLayout.FailureBlob(jobId), status.Failure);
        Assert.Null(status.QueuedAt);
        Assert.NotNull(status.CompletionPublishedAt);

        var failure = PipelineJson.Deserialize<FailureDocument>((await harness.ResultBlobAsync(BlobLayout.FailureBlob(jobId)))!);
        Assert.Equal(FailureStage.Ingest, failure.Stage);
        Assert.Equal(outcome.Problems, failure.Problems);
        Assert.Equal("client-42", failure.CorrelationId);
        Assert.Null(failure.Model);

        var completion = Assert.Single(await harness.CompletionsAsync());
        Assert.Equal(JobStatus.Failed, completion.Status);
        Assert.Equal(status.Reason, completion.Reason);
        Assert.EndsWith($"/{BlobLayout.ResultsContainer}/{jobId}/failure.json", completion.FailureUri);
        Assert.EndsWith($"/{jobId}/status.json", completion.StatusUri);
        Assert.Null(completion.Results);
        Assert.Equal("nightly", completion.Tags["run"]);
        Assert.Equal(0, await harness.CountAsync(harness.QueueOptions.WorkQueueName));
    }

    [Fact]
    public async Task The_same_manifest_arriving_twice_sends_one_message()
    {
        var harness = await HarnessAsync();
        string jobId = PipelineHarness.NewJobId();
        string manifestBlob = await harness.UploadJobAsync(jobId, TestManifests.Bytes(TestManifests.Valid()), TinyModels.LlavaImage());

        var first = await harness.Ingest.HandleAsync(manifestBlob, CancellationToken.None);
        await harness.UploadJobAsync(jobId, TestManifests.Bytes(TestManifests.Valid()), image: null);
        var second = await harness.Ingest.HandleAsync(manifestBlob, CancellationToken.None);

        Assert.Equal(IngestDecision.Accepted, first.Decision);
        Assert.Equal(IngestDecision.Duplicate, second.Decision);
        Assert.Equal(1, await harness.CountAsync(harness.QueueOptions.WorkQueueName));
    }

    [Fact]
    public async Task A_rejected_manifest_arriving_twice_publishes_one_completion()
    {
        var harness = await HarnessAsync();
        string jobId = PipelineHarness.NewJobId();
        string manifestBlob = await harness.UploadJobAsync(jobId, "not json"u8.ToArray(), TinyModels.LlavaImage());

        await harness.Ingest.HandleAsync(manifestBlob, CancellationToken.None);
        var again = await harness.Ingest.HandleAsync(manifestBlob, CancellationToken.None);

        Assert.Equal(IngestDecision.Duplicate, again.Decision);
        Assert.Single(await harness.CompletionsAsync());
    }

    [Fact]
    public async Task A_job_accepted_but_never_queued_is_queued_when_its_manifest_event_comes_again()
    {
        var harness = await HarnessAsync();
        string jobId = PipelineHarness.NewJobId();
        string manifestBlob = await harness.UploadJobAsync(jobId, TestManifests.Bytes(TestManifests.Valid()), TinyModels.LlavaImage());
        // What a crash between the status write and the send leaves behind.
        await harness.Statuses.UpdateAsync(jobId, _ => new StatusRecord { JobId = jobId, Status = JobStatus.Accepted, UpdatedAt = DateTimeOffset.UtcNow },
            CancellationToken.None);

        var outcome = await harness.Ingest.HandleAsync(manifestBlob, CancellationToken.None);

        Assert.Equal(IngestDecision.Accepted, outcome.Decision);
        Assert.Equal(1, await harness.CountAsync(harness.QueueOptions.WorkQueueName));
        Assert.NotNull((await harness.Statuses.ReadAsync(jobId, CancellationToken.None))!.QueuedAt);
    }

    public static TheoryData<string, byte[]?, string> BadImages() => new()
    {
        { "corrupt bytes", "this is not an image, whatever its name says"u8.ToArray(), "not a recognised PNG, JPEG, WebP, GIF or BMP image" },
        { "zero bytes", [], "the image is empty (0 bytes)" },
        { "decompression bomb", CraftedImages.Png(100_000, 100_000), "100000×100000 = 10000000000 pixels" },
        { "missing", null, "image 'image.png' does not exist in the job folder" },
    };

    [Theory]
    [MemberData(nameof(BadImages))]
    public async Task A_bad_image_is_rejected_from_its_header_with_a_failure_result(string what, byte[]? image, string expected)
    {
        var harness = await HarnessAsync();
        string jobId = PipelineHarness.NewJobId();
        string manifestBlob = await harness.UploadJobAsync(jobId, TestManifests.Bytes(TestManifests.Valid()), image);

        var outcome = await harness.Ingest.HandleAsync(manifestBlob, CancellationToken.None);

        Assert.True(outcome.Decision == IngestDecision.Rejected, what);
        Assert.Contains(expected, Assert.Single(outcome.Problems));
        var failure = PipelineJson.Deserialize<FailureDocument>((await harness.ResultBlobAsync(BlobLayout.FailureBlob(jobId)))!);
        Assert.Contains(expected, failure.Reason);
        Assert.Equal(JobStatus.Failed, Assert.Single(await harness.CompletionsAsync()).Status);
    }

    [Fact]
    public async Task An_oversized_manifest_is_rejected_by_its_size()
    {
        var harness = await HarnessAsync();
        string jobId = PipelineHarness.NewJobId();
        var manifest = TestManifests.Valid().With("prompt", new string('x', 70_000));
        string manifestBlob = await harness.UploadJobAsync(jobId, TestManifests.Bytes(manifest), TinyModels.LlavaImage());

        var outcome = await harness.Ingest.HandleAsync(manifestBlob, CancellationToken.None);

        Assert.Equal(IngestDecision.Rejected, outcome.Decision);
        Assert.Matches("^the manifest is [0-9]+ bytes; the limit is 65536$", Assert.Single(outcome.Problems));
    }

    [Fact]
    public async Task A_blob_that_is_not_a_manifest_is_ignored()
    {
        var harness = await HarnessAsync();

        var outcome = await harness.Ingest.HandleAsync("jobs/some-job/image.png", CancellationToken.None);

        Assert.Equal(IngestDecision.Ignored, outcome.Decision);
        Assert.Equal(0, await harness.CountAsync(harness.QueueOptions.WorkQueueName));
    }

    [Fact]
    public async Task The_status_record_as_stored_matches_its_schema_fields()
    {
        var harness = await HarnessAsync();
        string jobId = PipelineHarness.NewJobId();
        await harness.Ingest.HandleAsync(await harness.UploadJobAsync(jobId, TestManifests.Bytes(TestManifests.Valid()), TinyModels.LlavaImage()),
            CancellationToken.None);

        using var stored = JsonDocument.Parse((await harness.ResultBlobAsync(BlobLayout.StatusBlob(jobId)))!.ToString());

        Assert.Equal("accepted", stored.RootElement.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, stored.RootElement.GetProperty("completion_published_at").ValueKind);
    }
}
