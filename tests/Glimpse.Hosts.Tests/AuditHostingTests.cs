using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Glimpse.Core.Contracts;
using Glimpse.Functions;
using Glimpse.Pipeline.Audits;
using Glimpse.Pipeline.Hosting;
using Glimpse.Pipeline.Tests;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SkiaSharp;

namespace Glimpse.Hosts.Tests;

/// <summary>
/// Audits as the hosts run them: the audit timer Function as a class, and <c>glimpse local</c>'s interval ticks taking a
/// suite all the way to its report through ingest and the worker, on real Azurite and the tiny LLaVA model.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class AuditHostingTests(Azurite azurite)
{
    private BlobContainerClient Audits() => new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(BlobLayout.AuditsContainer);

    /// <summary>A one-case suite about the tiny model's reference image, with a mask over its left half.</summary>
    private async Task<string> UploadSuiteAsync()
    {
        string suite = "hosting-" + Guid.NewGuid().ToString("N")[..8];
        var audits = Audits();
        await audits.CreateIfNotExistsAsync();
        byte[] image = TinyModels.LlavaImage();
        using var decoded = SKBitmap.Decode(image);
        using var mask = new SKBitmap(decoded.Width, decoded.Height);
        using (var canvas = new SKCanvas(mask))
        {
            canvas.Clear(SKColors.Black);
            canvas.DrawRect(0, 0, decoded.Width / 2f, decoded.Height, new SKPaint { Color = SKColors.White });
        }
        using var png = mask.Encode(SKEncodedImageFormat.Png, 100);
        await audits.GetBlobClient($"{suite}/images/ball.png").UploadAsync(BinaryData.FromBytes(image));
        await audits.GetBlobClient($"{suite}/masks/ball.png").UploadAsync(BinaryData.FromBytes(png.ToArray()));
        var suiteJson = new JsonObject
        {
            ["schema_version"] = "1.0",
            ["model"] = TinyModels.Llava,
            ["methods"] = new JsonArray("glimpse"),
            ["max_new_tokens"] = 3,
            ["cases"] = new JsonArray(new JsonObject
            {
                ["id"] = "ball", ["image"] = "images/ball.png", ["question"] = "what color is the big ball",
                ["expected_answer"] = "red", ["reference"] = "masks/ball.png", ["reference_kind"] = "mask",
            }),
        };
        await audits.GetBlobClient($"{suite}/{AuditLayout.SuiteFileName}").UploadAsync(BinaryData.FromString(suiteJson.ToJsonString()));
        return suite;
    }

    /// <summary>Removes the suite, so later tests' pipelines (which tick audits too) do not run it again.</summary>
    private async Task DeleteSuiteAsync(string suite)
    {
        await foreach (var blob in Audits().GetBlobsAsync(BlobTraits.None, BlobStates.None, suite + "/", CancellationToken.None)) await Audits().DeleteBlobIfExistsAsync(blob.Name);
    }

    [Fact]
    public async Task The_audit_function_starts_one_run_per_suite_and_a_second_firing_in_the_slot_starts_none()
    {
        string suite = await UploadSuiteAsync();
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                [$"{PipelineConfiguration.Storage}:ConnectionString"] = azurite.ConnectionString,
                [$"{PipelineConfiguration.Storage}:CreateIfMissing"] = "true",
                [$"{PipelineConfiguration.Transport}:Kind"] = "StorageQueues",
                [$"{PipelineConfiguration.StorageQueues}:WorkQueueName"] = RunningPipeline.NewQueuePrefix() + "-jobs",
                [$"{PipelineConfiguration.Models}:Ids:0"] = TinyModels.Llava,
            }).Build();
            await using var services = new ServiceCollection().AddLogging().AddGlimpsePipeline(configuration).BuildServiceProvider();
            foreach (var hosted in services.GetServices<IHostedService>()) await hosted.StartAsync(CancellationToken.None);
            var function = new AuditFunction(services.GetRequiredService<AuditHandler>());
            var timer = new TimerInfo();

            var first = await function.RunAsync(timer, CancellationToken.None);
            var second = await function.RunAsync(timer, CancellationToken.None);

            var started = Assert.Single(first.Started, s => s.Suite == suite);
            Assert.Equal((AuditStartDecision.Started, 1), (started.Decision, started.JobsSubmitted));
            var again = Assert.Single(second.Started, s => s.Suite == suite);
            Assert.Equal((started.RunId, AuditStartDecision.AlreadyStarted, 0), (again.RunId, again.Decision, again.JobsSubmitted));
            Assert.True((await Audits().GetBlobClient(AuditLayout.RunFolder(started.RunId) + "run.json").ExistsAsync()).Value);
        }
        finally
        {
            await DeleteSuiteAsync(suite);
        }
    }

    [Fact]
    public async Task The_local_pipeline_ticks_an_uploaded_suite_through_ingest_and_the_worker_to_its_report()
    {
        string suite = await UploadSuiteAsync();
        try
        {
            await using var local = await RunningPipeline.StartAsync(azurite, settings: new Dictionary<string, string?>
            {
                [$"{PipelineConfiguration.Audits}:LocalTickInterval"] = "00:00:01",
            });

            string? summaryBlob = null;
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            while (summaryBlob is null)
            {
                await Task.Delay(500, timeout.Token);
                await foreach (var blob in Audits().GetBlobsAsync(BlobTraits.None, BlobStates.None, AuditLayout.RunsFolder + "/", timeout.Token))
                    if (blob.Name.EndsWith("/report.html", StringComparison.Ordinal) && await SuiteOfAsync(blob.Name) == suite)
                        summaryBlob = blob.Name[..^"report.html".Length] + "summary.json";
            }

            var summary = JsonNode.Parse((await Audits().GetBlobClient(summaryBlob).DownloadContentAsync()).Value.Content.ToString())!;
            Assert.Equal(suite, (string?)summary["suite"]);
            Assert.Equal(1, (int)summary["counts"]!["jobs"]!);
            Assert.True(1 == (int)summary["counts"]!["succeeded"]!, summary.ToJsonString());
            // The GLIMPSE map was laid onto the mask: one pointing-game score, a hit or a miss.
            var pointing = summary["by_method"]!["glimpse"]!["metrics"]!["pointing_game"]!;
            Assert.Equal(1, (int)pointing["count"]!);
            Assert.Contains((double)pointing["mean"]!, new[] { 0.0, 1.0 });
        }
        finally
        {
            await DeleteSuiteAsync(suite);
        }
    }

    private async Task<string?> SuiteOfAsync(string reportBlob)
    {
        string summary = reportBlob[..^"report.html".Length] + "summary.json";
        var content = await Audits().GetBlobClient(summary).DownloadContentAsync();
        return (string?)JsonNode.Parse(content.Value.Content.ToString())!["suite"];
    }
}
