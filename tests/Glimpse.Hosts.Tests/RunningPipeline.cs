using System.Collections.Concurrent;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Glimpse.Core.Contracts;
using Glimpse.Model.Tests;
using Glimpse.Pipeline.Hosting;
using Glimpse.Pipeline.Storage;
using Glimpse.Pipeline.Tests;
using Glimpse.Processing.Hosting;
using Microsoft.Extensions.DependencyInjection;


namespace Glimpse.Hosts.Tests;

/// <summary>
/// A <see cref="LocalPipeline"/> on the test Azurite with the tiny reference models, on queues of its own (a name
/// prefix per test; a restarted pipeline passes the same prefix), collecting the completion events it receives.
/// </summary>
public sealed class RunningPipeline : IAsyncDisposable
{
    private RunningPipeline(LocalPipeline pipeline, string queuePrefix, BlobServiceClient blobs, QueueServiceClient queues,
        ConcurrentQueue<CompletionEvent> completions)
    {
        Pipeline = pipeline;
        QueuePrefix = queuePrefix;
        Blobs = blobs;
        Queues = queues;
        Completions = completions;
    }

    public LocalPipeline Pipeline { get; }
    public string QueuePrefix { get; }
    public BlobServiceClient Blobs { get; }
    public QueueServiceClient Queues { get; }
    public ConcurrentQueue<CompletionEvent> Completions { get; }
    public StatusStore Statuses => new(Blobs);
    public string WorkQueue => QueuePrefix + "-jobs";
    public string CompletionQueue => QueuePrefix + "-completed";

    public static string NewQueuePrefix() => "h" + Guid.NewGuid().ToString("N")[..12];

    public static async Task<RunningPipeline> StartAsync(Azurite azurite, string? queuePrefix = null, Action<IServiceCollection>? configureServices = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        string prefix = queuePrefix ?? NewQueuePrefix();
        var allSettings = Settings(prefix);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) allSettings[key] = value;
        var completions = new ConcurrentQueue<CompletionEvent>();
        var options = new LocalPipelineOptions
        {
            StorageConnectionString = azurite.ConnectionString,
            ModelsFolder = ReferenceSet.Root,
            PollInterval = TimeSpan.FromMilliseconds(200),
            Settings = allSettings,
            ConfigureServices = configureServices,
        };
        var pipeline = await LocalPipeline.StartAsync(options, completion =>
        {
            completions.Enqueue(completion);
            return Task.CompletedTask;
        }, logging: null, CancellationToken.None);
        var storage = new PipelineStorageOptions { ConnectionString = azurite.ConnectionString };
        return new RunningPipeline(pipeline, prefix, StorageClients.CreateBlobService(storage), StorageClients.CreateQueueService(storage), completions);
    }

    /// <summary>Queue names of the test's own, short locks and no retry delay, so a redelivery is immediate.</summary>
    public static Dictionary<string, string?> Settings(string prefix) => new()
    {
        [$"{PipelineConfiguration.StorageQueues}:WorkQueueName"] = prefix + "-jobs",
        [$"{PipelineConfiguration.StorageQueues}:CompletionQueueName"] = prefix + "-completed",
        [$"{PipelineConfiguration.StorageQueues}:LockDuration"] = "00:00:30",
        [$"{PipelineConfiguration.StorageQueues}:RetryDelay"] = "00:00:00",
        [$"{PipelineConfiguration.Worker}:LockRenewalInterval"] = "00:00:05",
        [$"{PipelineConfiguration.Worker}:IdleDelay"] = "00:00:00.100",
    };

    /// <summary>Uploads as a client does: the image first, the manifest last.</summary>
    public async Task<string> UploadJobAsync(string jobId, byte[] manifest, byte[] image, string imageName = "image.png")
    {
        var jobs = Blobs.GetBlobContainerClient(BlobLayout.JobsContainer);
        await jobs.GetBlobClient(BlobLayout.ImageBlob(jobId, imageName)).UploadAsync(BinaryData.FromBytes(image), overwrite: true);
        string manifestBlob = BlobLayout.ManifestBlob(jobId);
        await jobs.GetBlobClient(manifestBlob).UploadAsync(BinaryData.FromBytes(manifest), overwrite: true);
        return manifestBlob;
    }

    /// <summary>The job's completion event, waiting for it (bounded: a pipeline that never answers fails the test, it does not hang).</summary>
    public async Task<CompletionEvent> CompletionOfAsync(string jobId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            if (Completions.FirstOrDefault(c => c.JobId == jobId) is { } completion) return completion;
            await Task.Delay(100);
        }
        throw new TimeoutException($"No completion event for job {jobId}.");
    }

    public IReadOnlyList<CompletionEvent> CompletionsOf(string jobId) => Completions.Where(c => c.JobId == jobId).ToList();

    public async Task<int> CountAsync(string queueName) =>
        (await Queues.GetQueueClient(queueName).GetPropertiesAsync()).Value.ApproximateMessagesCount;

    public static string NewJobId() => "job-" + Guid.NewGuid().ToString("N")[..16];

    public async ValueTask DisposeAsync()
    {
        await Pipeline.StopAsync(CancellationToken.None);
        await Pipeline.DisposeAsync();
    }
}
