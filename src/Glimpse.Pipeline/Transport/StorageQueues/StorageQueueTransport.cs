using Azure.Storage.Queues;

namespace Glimpse.Pipeline.Transport.StorageQueues;

/// <summary>
/// The Storage Queues transport: the local mode's, and a cheap production option. The work queue, its
/// <c>-poison</c> dead-letter queue, and the completion queue, on one queue service.
/// </summary>
public sealed class StorageQueueTransport
{
    private readonly QueueClient _work;
    private readonly QueueClient _poison;
    private readonly QueueClient _completed;

    /// <param name="service">A client whose message encoding is Base64 (<see cref="Storage.StorageClients.CreateQueueService"/>).</param>
    public StorageQueueTransport(QueueServiceClient service, StorageQueueTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        _work = service.GetQueueClient(options.WorkQueueName);
        _poison = service.GetQueueClient(options.PoisonQueueName);
        _completed = service.GetQueueClient(options.CompletionQueueName);
        WorkQueue = new StorageWorkQueue(_work);
        Receiver = new StorageWorkReceiver(_work, _poison, options);
        Events = new StorageEventPublisher(_completed);
    }

    public IWorkQueue WorkQueue { get; }
    public IWorkReceiver Receiver { get; }
    public IEventPublisher Events { get; }

    /// <summary>Creates the three queues where missing.</summary>
    public async Task EnsureQueuesAsync(CancellationToken cancellationToken)
    {
        foreach (var queue in new[] { _work, _poison, _completed })
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
