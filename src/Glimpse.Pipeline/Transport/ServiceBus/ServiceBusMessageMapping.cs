using Azure.Messaging.ServiceBus;

namespace Glimpse.Pipeline.Transport.ServiceBus;

/// <summary>
/// <see cref="OutgoingMessage"/> to and from Service Bus messages. The broker fields map one to one, so duplicate
/// detection (MessageId), correlation filters (CorrelationId), Subject and the application properties work as
/// Service Bus documents them.
/// </summary>
public static class ServiceBusMessageMapping
{
    /// <summary>Service Bus keeps a dead-letter reason in a message header; long texts are cut to stay far below its limits.</summary>
    public const int MaxReasonChars = 1024;
    public const int MaxDescriptionChars = 4096;

    public static ServiceBusMessage ToServiceBusMessage(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var sent = new ServiceBusMessage(message.Body)
        {
            MessageId = message.MessageId,
            CorrelationId = message.CorrelationId,
            ContentType = message.ContentType,
            Subject = message.Subject,
        };
        foreach (var (name, value) in message.ApplicationProperties) sent.ApplicationProperties[name] = value;
        return sent;
    }

    public static string Truncate(string text, int maxChars) => text.Length <= maxChars ? text : text[..(maxChars - 1)] + "…";
}
