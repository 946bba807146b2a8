using System.Diagnostics;
using Azure.Storage.Queues;
using Glimpse.Core.Contracts;

namespace Glimpse.Pipeline.Transport.StorageQueues;

/// <summary>
/// Sends work to a Storage queue. Storage Queues have no duplicate detection: the ingest handler prevents a second
/// send for a job by its status record (<see cref="StatusRecord.QueuedAt"/>), and the worker is idempotent for the
/// rare duplicate that a crash between send and record lets through.
/// </summary>
public sealed class StorageWorkQueue(QueueClient queue) : IWorkQueue
{
    public async Task SendAsync(WorkMessage message, CancellationToken cancellationToken)
    {
        var envelope = QueueEnvelope.From(OutgoingMessage.ForWork(message, Activity.Current));
        await queue.SendMessageAsync(PipelineJson.Serialize(envelope), cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
