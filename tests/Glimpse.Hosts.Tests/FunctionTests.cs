using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Glimpse.Core.Contracts;
using Glimpse.Functions;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Hosting;
using Glimpse.Pipeline.Tests;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Glimpse.Hosts.Tests;

/// <summary>
/// The Functions as classes (no Functions host exists here), built by the same composition as the Functions app and
/// called with what their blob triggers bind, against real Azurite.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class FunctionTests(Azurite azurite)
{
    /// <summary>The Functions app's services: configuration as its app settings would give it, ingest-only (no worker).</summary>
    private async Task<(ServiceProvider Services, string Prefix)> FunctionsAppAsync()
    {
        string prefix = RunningPipeline.NewQueuePrefix();
        var settings = RunningPipeline.Settings(prefix);
        settings[FunctionSettings.StorageConnection] = azurite.ConnectionString;
        settings[$"{PipelineConfiguration.Storage}:CreateIfMissing"] = "true";
        settings[$"{PipelineConfiguration.Transport}:Kind"] = "StorageQueues";
        settings[$"{PipelineConfiguration.Models}:Ids:0"] = TinyModels.Llava;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        // As Program.cs does: the pipeline's storage falls back to the triggers' connection.
        configuration = new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(FunctionSettings.StorageFallback(configuration)).Build();
        var services = new ServiceCollection().AddLogging().AddGlimpsePipeline(configuration).BuildServiceProvider();
        foreach (var hosted in services.GetServices<IHostedService>()) await hosted.StartAsync(CancellationToken.None);
        return (services, prefix);
    }

    private BlobContainerClient Jobs() => new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(BlobLayout.JobsContainer);

    [Fact]
    public async Task The_ingest_function_accepts_a_job_queues_one_message_and_ignores_a_second_trigger()
    {
        var (services, prefix) = await FunctionsAppAsync();
        await using var _ = services;
        var function = ActivatorUtilities.CreateInstance<IngestFunction>(services);
        string jobId = RunningPipeline.NewJobId();
        var jobs = Jobs();
        await jobs.GetBlobClient(BlobLayout.ImageBlob(jobId, "image.png")).UploadAsync(BinaryData.FromBytes(TinyModels.LlavaImage()));
        var manifest = jobs.GetBlobClient(BlobLayout.ManifestBlob(jobId));
        await manifest.UploadAsync(BinaryData.FromBytes(TestManifests.Bytes(TestManifests.Valid())));

        var first = await function.RunAsync(manifest, CancellationToken.None);
        var second = await function.RunAsync(manifest, CancellationToken.None);

        Assert.Equal((IngestDecision.Accepted, jobId), (first.Decision, first.JobId));
        Assert.Equal(IngestDecision.Duplicate, second.Decision);
        var status = await services.GetRequiredService<Glimpse.Pipeline.Storage.StatusStore>().ReadAsync(jobId, CancellationToken.None);
        Assert.Equal(JobStatus.Accepted, status!.Status);
        Assert.NotNull(status.QueuedAt);
        var queue = services.GetRequiredService<Azure.Storage.Queues.QueueServiceClient>().GetQueueClient(prefix + "-jobs");
        Assert.Equal(1, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task The_inbox_function_turns_an_image_with_a_prompt_into_a_job_that_ingest_accepts_once()
    {
        var (services, _) = await FunctionsAppAsync();
        await using var __ = services;
        var inbox = ActivatorUtilities.CreateInstance<InboxFunction>(services);
        var ingest = ActivatorUtilities.CreateInstance<IngestFunction>(services);
        var image = Jobs().GetBlobClient($"{InboxHandler.Prefix}{Guid.NewGuid():N}.png");
        await image.UploadAsync(BinaryData.FromBytes(TinyModels.LlavaImage()), new BlobUploadOptions
        {
            Metadata = new Dictionary<string, string> { ["prompt"] = "what is this", ["model"] = TinyModels.Llava, ["correlation_id"] = "mine-1" },
        });

        var submitted = await inbox.RunAsync(image, CancellationToken.None);
        var again = await inbox.RunAsync(image, CancellationToken.None);

        Assert.Equal(InboxDecision.Submitted, submitted.Decision);
        Assert.Equal((InboxDecision.Duplicate, submitted.JobId), (again.Decision, again.JobId));
        var manifest = Jobs().GetBlobClient(BlobLayout.ManifestBlob(submitted.JobId!));
        var copied = await Jobs().GetBlobClient(BlobLayout.ImageBlob(submitted.JobId!, "image.png")).DownloadContentAsync();
        Assert.Equal(TinyModels.LlavaImage(), copied.Value.Content.ToArray());
        Assert.Equal(IngestDecision.Accepted, (await ingest.RunAsync(manifest, CancellationToken.None)).Decision);
        var status = await services.GetRequiredService<Glimpse.Pipeline.Storage.StatusStore>().ReadAsync(submitted.JobId!, CancellationToken.None);
        Assert.Equal(("mine-1", image.Name), (status!.CorrelationId, status.Tags[InboxHandler.InboxBlobTag]));
    }

    [Fact]
    public async Task An_inbox_image_without_a_prompt_becomes_a_job_that_ingest_rejects_naming_the_prompt()
    {
        var (services, _) = await FunctionsAppAsync();
        await using var __ = services;
        var image = Jobs().GetBlobClient($"{InboxHandler.Prefix}{Guid.NewGuid():N}.png");
        await image.UploadAsync(BinaryData.FromBytes(TinyModels.LlavaImage()), new BlobUploadOptions
        {
            Metadata = new Dictionary<string, string> { ["model"] = TinyModels.Llava },
        });

        var submitted = await ActivatorUtilities.CreateInstance<InboxFunction>(services).RunAsync(image, CancellationToken.None);
        var outcome = await ActivatorUtilities.CreateInstance<IngestFunction>(services)
            .RunAsync(Jobs().GetBlobClient(BlobLayout.ManifestBlob(submitted.JobId!)), CancellationToken.None);

        Assert.Equal(IngestDecision.Rejected, outcome.Decision);
        Assert.Contains(outcome.Problems, p => p.Contains("prompt", StringComparison.Ordinal));
    }

    public static TheoryData<string, string, byte[], string, string?, string> BadInboxUploads()
    {
        byte[] png = TinyModels.LlavaImage();
        return new TheoryData<string, string, byte[], string, string?, string>
        {
            { "a 0-byte image", "empty.png", [], "what is this", "4", "the image is empty (0 bytes)" },
            { "text named .png", "note.png", "just some text, not an image"u8.ToArray(), "what is this", "4", "not a recognised PNG, JPEG, WebP, GIF or BMP image" },
            { "a PNG claiming 100000×100000", "bomb.png", CraftedImages.Png(100_000, 100_000), "what is this", "4", "100000×100000 = 10000000000 pixels" },
            { "a prompt over the limit", "long.png", png, new string('x', 2001), "4", "prompt is 2001 characters long; the limit is 2000" },
            { "max_new_tokens out of range", "tokens.png", png, "what is this", "100000", "max_new_tokens must be a whole number in [1, 256], not 100000" },
            { "max_new_tokens not a number", "words.png", png, "what is this", "many", "max_new_tokens must be a whole number in [1, 256], not \"many\"" },
        };
    }

    [Theory]
    [MemberData(nameof(BadInboxUploads))]
    public async Task A_bad_inbox_upload_becomes_a_job_that_ingest_rejects_with_its_reason_and_one_failure(
        string what, string fileName, byte[] bytes, string prompt, string? maxNewTokens, string expected)
    {
        var (services, prefix) = await FunctionsAppAsync();
        await using var __ = services;
        var image = Jobs().GetBlobClient($"{InboxHandler.Prefix}{Guid.NewGuid():N}/{fileName}");
        var metadata = new Dictionary<string, string> { ["prompt"] = prompt, ["model"] = TinyModels.Llava };
        if (maxNewTokens is not null) metadata["max_new_tokens"] = maxNewTokens;
        await image.UploadAsync(BinaryData.FromBytes(bytes), new BlobUploadOptions { Metadata = metadata });

        var submitted = await ActivatorUtilities.CreateInstance<InboxFunction>(services).RunAsync(image, CancellationToken.None);
        var outcome = await ActivatorUtilities.CreateInstance<IngestFunction>(services)
            .RunAsync(Jobs().GetBlobClient(BlobLayout.ManifestBlob(submitted.JobId!)), CancellationToken.None);

        Assert.True(outcome.Decision == IngestDecision.Rejected, what);
        Assert.Contains(outcome.Problems, p => p.Contains(expected, StringComparison.Ordinal));
        var status = await services.GetRequiredService<Glimpse.Pipeline.Storage.StatusStore>().ReadAsync(submitted.JobId!, CancellationToken.None);
        Assert.Equal(JobStatus.Failed, status!.Status);
        Assert.Contains(expected, status.Reason);
        var queues = services.GetRequiredService<Azure.Storage.Queues.QueueServiceClient>();
        Assert.Equal(0, (await queues.GetQueueClient(prefix + "-jobs").GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(1, (await queues.GetQueueClient(prefix + "-completed").GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public void The_pipeline_storage_falls_back_to_the_trigger_connection_only_when_it_is_not_configured()
    {
        var triggerOnly = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GlimpseStorage:blobServiceUri"] = "https://acct.blob.core.windows.net",
            ["GlimpseStorage:queueServiceUri"] = "https://acct.queue.core.windows.net",
        }).Build();
        var both = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GlimpseStorage"] = "UseDevelopmentStorage=true",
            ["Glimpse:Storage:ConnectionString"] = "UseDevelopmentStorage=true",
        }).Build();

        var fallback = FunctionSettings.StorageFallback(triggerOnly);

        Assert.Equal("https://acct.blob.core.windows.net", fallback["Glimpse:Storage:BlobServiceUri"]);
        Assert.Equal("https://acct.queue.core.windows.net", fallback["Glimpse:Storage:QueueServiceUri"]);
        Assert.Empty(FunctionSettings.StorageFallback(both));
    }
}
