using System.Text.Json;
using Azure.Storage.Queues;
using Glimpse.Core.Contracts;

namespace Glimpse.Pipeline.Transport.StorageQueues;

/// <summary>
/// Takes completion events off the Storage Queues transport's completion queue (its stand-in for the topic's
/// subscription): each event read is deleted, so one reader sees it once. A message that is not a completion event
/// is deleted too, after being handed back as an error text, so it cannot block the queue.
/// </summary>
public sealed class StorageCompletionReader(QueueClient completions)
{
    public async Task<IReadOnlyList<CompletionEvent>> ReadAsync(int maxMessages, IList<string>? errors, CancellationToken cancellationToken)
    {
        var messages = (await completions.ReceiveMessagesAsync(maxMessages, cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        var events = new List<CompletionEvent>(messages.Length);
        foreach (var message in messages)
        {
            try
            {
                var envelope = QueueEnvelope.TryRead(message.Body) ?? throw new JsonException("not a message envelope");
                events.Add(PipelineJson.Deserialize<CompletionEvent>(BinaryData.FromString(envelope.Body)));
            }
            catch (JsonException e)
            {
                errors?.Add($"message {message.MessageId} is not a completion event ({e.Message})");
            }
            await completions.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
        }
        return events;
    }
}
