using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Audits;
using Microsoft.Extensions.Logging.Abstractions;
using SkiaSharp;

namespace Glimpse.Pipeline.Tests.Audits;

/// <summary>Suites, masks and the audit handler wired on a test's harness.</summary>
public static class AuditFixtures
{
    /// <summary>A mask the size of the image: white inside the rectangle, black outside.</summary>
    public static byte[] Mask(int width, int height, SKRectI inside)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Black);
            using var white = new SKPaint { Color = SKColors.White };
            canvas.DrawRect(inside, white);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public static JsonObject Case(string id, string image, string question, string? expected = null, string? reference = null) => new()
    {
        ["id"] = id, ["image"] = image, ["question"] = question, ["expected_answer"] = expected,
        ["reference"] = reference, ["reference_kind"] = reference is null ? null : "mask",
    };

    public static JsonObject Suite(string[] methods, params JsonObject[] cases) => new()
    {
        ["schema_version"] = "1.0",
        ["model"] = TinyModels.Llava,
        ["methods"] = new JsonArray(methods.Select(m => (JsonNode?)m).ToArray()),
        ["max_new_tokens"] = TestManifests.TestMaxNewTokens,
        ["cases"] = new JsonArray(cases.Select(c => (JsonNode?)c).ToArray()),
    };

    public static async Task UploadAsync(BlobServiceClient blobs, string blobName, byte[] bytes) =>
        await blobs.GetBlobContainerClient(BlobLayout.AuditsContainer).GetBlobClient(blobName).UploadAsync(BinaryData.FromBytes(bytes), overwrite: true);

    public static Task UploadSuiteAsync(BlobServiceClient blobs, string suite, JsonNode suiteJson) =>
        UploadAsync(blobs, AuditLayout.SuiteBlob(suite), Encoding.UTF8.GetBytes(suiteJson.ToJsonString()));

    /// <summary>Empties the audits container: the pipeline tests share one Azurite, and a tick runs every suite it finds.</summary>
    public static async Task ClearAuditsAsync(BlobServiceClient blobs)
    {
        var container = blobs.GetBlobContainerClient(BlobLayout.AuditsContainer);
        await foreach (var blob in container.GetBlobsAsync()) await container.DeleteBlobAsync(blob.Name);
    }

    public static AuditHandler Handler(PipelineHarness harness, AuditOptions? options = null) =>
        AuditHandler.Create(harness.Blobs, options ?? new AuditOptions(), NullLoggerFactory.Instance);

    public static async Task<T> ReadAsync<T>(BlobServiceClient blobs, string blobName) =>
        PipelineJson.Deserialize<T>((await blobs.GetBlobContainerClient(BlobLayout.AuditsContainer).GetBlobClient(blobName).DownloadContentAsync()).Value.Content);

    public static async Task<string> ReadTextAsync(BlobServiceClient blobs, string blobName) =>
        (await blobs.GetBlobContainerClient(BlobLayout.AuditsContainer).GetBlobClient(blobName).DownloadContentAsync()).Value.Content.ToString();

    /// <summary>Ingests every submitted job of the run as the blob trigger would, then lets the worker take the queue dry.</summary>
    public static async Task RunJobsAsync(PipelineHarness harness, string runId)
    {
        var run = await ReadAsync<AuditRunRecord>(harness.Blobs, AuditLayout.RunBlob(runId));
        foreach (var job in run.Jobs.Where(j => j.JobId is not null))
            await harness.Ingest.HandleAsync(BlobLayout.ManifestBlob(job.JobId!), CancellationToken.None);
        while (await harness.Transport.Receiver.ReceiveAsync(CancellationToken.None) is { } work)
            await harness.Processor.ProcessAsync(work, CancellationToken.None);
    }
}
