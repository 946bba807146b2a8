using System.Diagnostics;
using Azure.Storage.Queues;
using Glimpse.Core.Contracts;

namespace Glimpse.Pipeline.Transport.StorageQueues;

/// <summary>Publishes completion events to a Storage queue (the local mode's and the cheap option's stand-in for a topic).</summary>
public sealed class StorageEventPublisher(QueueClient queue) : IEventPublisher
{
    public async Task PublishAsync(CompletionEvent completion, CancellationToken cancellationToken)
    {
        var envelope = QueueEnvelope.From(OutgoingMessage.ForCompletion(completion, Activity.Current));
        await queue.SendMessageAsync(PipelineJson.Serialize(envelope), cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
