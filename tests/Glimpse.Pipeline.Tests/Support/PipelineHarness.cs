using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Glimpse.Core.Contracts;
using Glimpse.Core.Validation;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Storage;
using Glimpse.Pipeline.Transport;
using Glimpse.Pipeline.Transport.StorageQueues;
using Glimpse.Processing.Jobs;
using Glimpse.Processing.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Glimpse.Pipeline.Tests;

/// <summary>
/// The whole pipeline wired as a host would wire it, on Azurite with the Storage Queues transport. Each harness has
/// queues of its own (fresh names), so a test counts only its own messages; job ids are fresh per test too.
/// </summary>
public sealed class PipelineHarness
{
    private PipelineHarness(Azurite azurite, IExplainEngine engine, IReadOnlyCollection<string> models, int maxDeliveryCount, HarnessMessaging? messaging,
        HarnessFaults? faults)
    {
        var storage = new PipelineStorageOptions { ConnectionString = azurite.ConnectionString, Retry = faults?.Retry ?? new StorageRetryOptions() };
        Blobs = StorageClients.CreateBlobService(storage, faults?.BlobClientOptions);
        Queues = StorageClients.CreateQueueService(storage);
        string prefix = "t" + Guid.NewGuid().ToString("N")[..12];
        QueueOptions = new StorageQueueTransportOptions
        {
            WorkQueueName = prefix + "-jobs",
            CompletionQueueName = prefix + "-completed",
            LockDuration = faults?.LockDuration ?? TimeSpan.FromSeconds(30),
            RetryDelay = TimeSpan.Zero,
        };
        Transport = new StorageQueueTransport(Queues, QueueOptions);
        Jobs = new JobStore(Blobs);
        Results = new ResultStore(Blobs);
        Statuses = new StatusStore(Blobs);
        Messaging = messaging ?? new HarnessMessaging(Transport.WorkQueue, Transport.Events);
        if (faults?.DecorateEvents is { } decorate) Messaging = Messaging with { Events = decorate(Messaging.Events) };
        Finalizer = new JobFinalizer(Results, Statuses, Messaging.Events, NullLogger<JobFinalizer>.Instance);
        var manifests = new ManifestValidator(new ManifestLimits(), models);
        Ingest = new IngestHandler(Jobs, Statuses, Messaging.WorkQueue, Finalizer, manifests, new ImageHeaderValidator(new ImageLimits()),
            NullLogger<IngestHandler>.Instance);
        Processor = new JobProcessor(Jobs, Results, Statuses, Finalizer, manifests, engine,
            new JobProcessorOptions { MaxDeliveryCount = maxDeliveryCount }, NullLogger<JobProcessor>.Instance);
    }

    public BlobServiceClient Blobs { get; }
    public QueueServiceClient Queues { get; }
    public StorageQueueTransportOptions QueueOptions { get; }
    public StorageQueueTransport Transport { get; }
    /// <summary>Where ingest sends work and the finalizer publishes: the Storage transport's unless another was given.</summary>
    public HarnessMessaging Messaging { get; }
    public JobStore Jobs { get; }
    public ResultStore Results { get; }
    public StatusStore Statuses { get; }
    public JobFinalizer Finalizer { get; }
    public IngestHandler Ingest { get; }
    public JobProcessor Processor { get; }

    /// <param name="messaging">Another transport's work queue and publisher (e.g. Service Bus); blobs stay on Azurite.</param>
    /// <param name="faults">Faults to inject and the timing that goes with them.</param>
    public static async Task<PipelineHarness> CreateAsync(Azurite azurite, IExplainEngine engine, IReadOnlyCollection<string> models, int maxDeliveryCount = 5,
        HarnessMessaging? messaging = null, HarnessFaults? faults = null)
    {
        var harness = new PipelineHarness(azurite, engine, models, maxDeliveryCount, messaging, faults);
        await PipelineContainers.EnsureCreatedAsync(harness.Blobs, CancellationToken.None);
        await harness.Transport.EnsureQueuesAsync(CancellationToken.None);
        return harness;
    }

    public static string NewJobId() => "job-" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>Uploads as a client does: the image first, the manifest last.</summary>
    public async Task<string> UploadJobAsync(string jobId, byte[] manifest, byte[]? image, string imageName = "image.png")
    {
        var jobs = Blobs.GetBlobContainerClient(BlobLayout.JobsContainer);
        if (image is not null) await jobs.GetBlobClient(BlobLayout.ImageBlob(jobId, imageName)).UploadAsync(BinaryData.FromBytes(image), overwrite: true);
        string manifestBlob = BlobLayout.ManifestBlob(jobId);
        await jobs.GetBlobClient(manifestBlob).UploadAsync(BinaryData.FromBytes(manifest), overwrite: true);
        return manifestBlob;
    }

    /// <summary>Messages in a queue, visible or not (the service's approximate count, exact on an idle Azurite).</summary>
    public async Task<int> CountAsync(string queueName) =>
        (await Queues.GetQueueClient(queueName).GetPropertiesAsync()).Value.ApproximateMessagesCount;

    /// <summary>The visible messages' texts (peeking does not take them).</summary>
    public async Task<IReadOnlyList<BinaryData>> PeekAsync(string queueName) =>
        (await Queues.GetQueueClient(queueName).PeekMessagesAsync(32)).Value.Select(m => m.Body).ToList();

    /// <summary>The completion events published so far, in order.</summary>
    public async Task<IReadOnlyList<CompletionEvent>> CompletionsAsync() =>
        (await PeekAsync(QueueOptions.CompletionQueueName))
            .Select(text => JsonDocument.Parse(text.ToString()).RootElement.GetProperty("body").GetString()!)
            .Select(body => PipelineJson.Deserialize<CompletionEvent>(BinaryData.FromString(body)))
            .ToList();

    public async Task<BinaryData?> ResultBlobAsync(string blobName) => await Results.ReadAsync(blobName, CancellationToken.None);
}

/// <summary>Where a fault test changes the harness's wiring.</summary>
public sealed record HarnessFaults
{
    /// <summary>Blob client options to start from, e.g. with a fault-injecting pipeline policy.</summary>
    public BlobClientOptions? BlobClientOptions { get; init; }
    /// <summary>The storage clients' per-request retries (tests shorten the backoff).</summary>
    public StorageRetryOptions? Retry { get; init; }
    /// <summary>Wraps the completion publisher, e.g. in one that fails.</summary>
    public Func<IEventPublisher, IEventPublisher>? DecorateEvents { get; init; }
    /// <summary>How long a received work message stays invisible to other receivers.</summary>
    public TimeSpan? LockDuration { get; init; }
}

/// <summary>The sending side of a transport, for a harness whose messages go elsewhere than its Storage queues.</summary>
public sealed record HarnessMessaging(IWorkQueue WorkQueue, IEventPublisher Events);
