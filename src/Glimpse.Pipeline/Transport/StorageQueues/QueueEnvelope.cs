using System.Text.Json;
using Glimpse.Core.Contracts;

namespace Glimpse.Pipeline.Transport.StorageQueues;

/// <summary>
/// A Storage queue message has only a body, so the broker-level fields Service Bus carries beside the body travel
/// inside it: this record, as JSON, is the queue message text.
/// </summary>
internal sealed record QueueEnvelope(
    string MessageId, string? CorrelationId, string ContentType, string Subject, IReadOnlyDictionary<string, string> ApplicationProperties, string Body)
{
    public static QueueEnvelope From(OutgoingMessage message) => new(
        message.MessageId, message.CorrelationId, message.ContentType, message.Subject, message.ApplicationProperties, message.Body.ToString());

    /// <summary>The envelope in a queue message, or null when the message is not one (sent by something else).</summary>
    public static QueueEnvelope? TryRead(BinaryData text)
    {
        try
        {
            return PipelineJson.Deserialize<QueueEnvelope>(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
