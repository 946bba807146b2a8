using Azure.Storage.Queues;

namespace Glimpse.Pipeline.Transport.StorageQueues;

/// <summary>
/// Receives work from a Storage queue: a receive hides the message for <see cref="StorageQueueTransportOptions.LockDuration"/>
/// (its lock), and the queue's dequeue count is the delivery count.
/// </summary>
public sealed class StorageWorkReceiver(QueueClient workQueue, QueueClient poisonQueue, StorageQueueTransportOptions options) : IWorkReceiver
{
    public async Task<IReceivedWork?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var response = await workQueue.ReceiveMessageAsync(options.LockDuration, cancellationToken).ConfigureAwait(false);
        return response.Value is { } message ? new StorageReceivedWork(workQueue, poisonQueue, options, message) : null;
    }
}
