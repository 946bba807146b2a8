using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Transport;

namespace Glimpse.Pipeline.Tests.Faults;

/// <summary>
/// What every fault test asserts at its end: the job ended in exactly one terminal result (a terminal status, one
/// result set or one failure.json, never both), one completion event, and no message left behind.
/// </summary>
internal static class FaultTestKit
{
    public static readonly string[] ResultFileNames = ["heatmap.png", "overlay.png", "report.html", "result.json"];

    /// <summary>Uploads and ingests a job; returns its id.</summary>
    public static async Task<string> SubmitAsync(PipelineHarness harness)
    {
        string jobId = PipelineHarness.NewJobId();
        string manifestBlob = await harness.UploadJobAsync(jobId, TestManifests.Bytes(TestManifests.Valid()), TinyModels.LlavaImage());
        Assert.Equal(IngestDecision.Accepted, (await harness.Ingest.HandleAsync(manifestBlob, CancellationToken.None)).Decision);
        return jobId;
    }

    /// <summary>The next work message, waiting for one to become visible (a lapsed lock, a restarted service).</summary>
    public static async Task<IReceivedWork> ReceiveAsync(PipelineHarness harness, TimeSpan within)
    {
        for (var deadline = DateTime.UtcNow + within; DateTime.UtcNow < deadline; await Task.Delay(200))
            if (await harness.Transport.Receiver.ReceiveAsync(CancellationToken.None) is { } work) return work;
        throw new TimeoutException($"no work message became visible within {within}");
    }

    /// <summary>The job's blob names in the results container, relative to its folder (status.json included).</summary>
    public static async Task<List<string>> ResultFolderAsync(BlobServiceClient blobs, string jobId)
    {
        var names = new List<string>();
        await foreach (BlobItem item in blobs.GetBlobContainerClient(BlobLayout.ResultsContainer).GetBlobsAsync(BlobTraits.None, BlobStates.None, jobId + "/", default))
            names.Add(item.Name[(jobId.Length + 1)..]);
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Exactly one terminal result: the status, the result folder, one completion event, no message left.</summary>
    public static async Task<StatusRecord> AssertOneTerminalResultAsync(PipelineHarness harness, string jobId, JobStatus expected)
    {
        var status = (await harness.Statuses.ReadAsync(jobId, CancellationToken.None))!;
        Assert.Equal(expected, status.Status);
        Assert.NotNull(status.CompletionPublishedAt);
        var folder = await ResultFolderAsync(harness.Blobs, jobId);
        string[] expectedFolder = expected == JobStatus.Succeeded ? [.. ResultFileNames, "status.json"] : ["failure.json", "status.json"];
        Assert.Equal(expectedFolder.Order(StringComparer.Ordinal), folder);
        var completion = Assert.Single(await harness.CompletionsAsync(), c => c.JobId == jobId);
        Assert.Equal(expected, completion.Status);
        Assert.Equal(0, await harness.CountAsync(harness.QueueOptions.WorkQueueName));
        return status;
    }
}
