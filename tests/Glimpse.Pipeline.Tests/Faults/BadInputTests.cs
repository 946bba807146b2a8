using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Handlers;
using Glimpse.Processing.Jobs;
using static Glimpse.Pipeline.Tests.Faults.FaultTestKit;

namespace Glimpse.Pipeline.Tests.Faults;

/// <summary>
/// Bad images and manifests end to end, beyond the validators' own tests: each gets a clear reason in failure.json
/// and its completion event, exactly one terminal result, and no message left behind or lost.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class BadInputTests(Azurite azurite, TinyModels models)
{
    private Task<PipelineHarness> HarnessAsync() => PipelineHarness.CreateAsync(azurite, models.Engine, models.Catalog.ModelIds);

    public static TheoryData<string, byte[], byte[], string> RejectedAtIngest()
    {
        byte[] manifest = TestManifests.Bytes(TestManifests.Valid());
        byte[] jpeg = CraftedImages.Jpeg();
        return new TheoryData<string, byte[], byte[], string>
        {
            { "a JPEG cut inside its header", manifest, jpeg[..12], "not a recognised PNG, JPEG, WebP, GIF or BMP image" },
            { "a JPEG header claiming 65000×65000 pixels", manifest, CraftedImages.JpegClaiming(65000, 65000), "65000×65000 = 4225000000 pixels" },
            { "a PNG header corrupted in its signature", manifest, [.. TinyModels.LlavaImage()[..1], 0x00, .. TinyModels.LlavaImage()[2..]], "not a recognised PNG, JPEG, WebP, GIF or BMP image" },
            { "an image as the manifest (wrong content)", TinyModels.LlavaImage(), jpeg, "the manifest is not valid UTF-8 text" },
            { "a manifest in UTF-16", System.Text.Encoding.Unicode.GetBytes(TestManifests.Valid().ToJsonString()), jpeg, "the manifest is not valid JSON" },
        };
    }

    [Theory]
    [MemberData(nameof(RejectedAtIngest))]
    public async Task A_bad_input_is_rejected_at_ingest_with_its_reason_and_ends_failed_once(string what, byte[] manifest, byte[] image, string expected)
    {
        var harness = await HarnessAsync();
        string jobId = PipelineHarness.NewJobId();
        string manifestBlob = await harness.UploadJobAsync(jobId, manifest, image);

        var outcome = await harness.Ingest.HandleAsync(manifestBlob, CancellationToken.None);

        Assert.True(outcome.Decision == IngestDecision.Rejected, what);
        Assert.Contains(outcome.Problems, p => p.Contains(expected, StringComparison.Ordinal));
        var status = await AssertOneTerminalResultAsync(harness, jobId, JobStatus.Failed);
        var failure = PipelineJson.Deserialize<FailureDocument>((await harness.ResultBlobAsync(BlobLayout.FailureBlob(jobId)))!);
        Assert.Equal((FailureStage.Ingest, status.Reason), (failure.Stage, failure.Reason));
        Assert.Contains(expected, failure.Reason);
    }

    [Fact]
    public async Task A_jpeg_truncated_after_a_valid_header_fails_in_the_worker_as_truncated_and_is_dead_lettered_once()
    {
        var harness = await HarnessAsync();
        string jobId = PipelineHarness.NewJobId();
        byte[] jpeg = CraftedImages.Jpeg();
        string manifestBlob = await harness.UploadJobAsync(jobId, TestManifests.Bytes(TestManifests.Valid(image: "photo.jpg")), jpeg[..(jpeg.Length * 2 / 3)], "photo.jpg");
        Assert.Equal(IngestDecision.Accepted, (await harness.Ingest.HandleAsync(manifestBlob, CancellationToken.None)).Decision);

        await harness.Processor.ProcessAsync((await harness.Transport.Receiver.ReceiveAsync(CancellationToken.None))!, CancellationToken.None);

        var status = await AssertOneTerminalResultAsync(harness, jobId, JobStatus.Failed);
        Assert.Contains("photo.jpg", status.Reason);
        Assert.Contains("the data ends before the image does (truncated file)", status.Reason);
        var dead = PipelineJson.Deserialize<Glimpse.Pipeline.Transport.StorageQueues.DeadLetterRecord>(Assert.Single(await harness.PeekAsync(harness.QueueOptions.PoisonQueueName)));
        Assert.Equal(JobProcessor.DeadLetterReasons.InvalidJob, dead.Reason);
    }
}
