using Azure.Messaging.ServiceBus;

namespace Glimpse.Pipeline.Transport.ServiceBus;

/// <summary>A peek-locked Service Bus message; settlement and renewal go through the receiver that locked it.</summary>
public sealed class ServiceBusReceivedWork(ServiceBusReceiver receiver, ServiceBusReceivedMessage message) : IReceivedWork
{
    public string MessageId => message.MessageId;
    public string? CorrelationId => message.CorrelationId;
    public string? ContentType => message.ContentType;
    public BinaryData Body => message.Body;
    public IReadOnlyDictionary<string, object> ApplicationProperties => message.ApplicationProperties;
    public int DeliveryCount => message.DeliveryCount;
    /// <summary>Renewal updates the message's LockedUntil in place.</summary>
    public DateTimeOffset LockedUntil => message.LockedUntil;

    public Task CompleteAsync(CancellationToken cancellationToken) =>
        LockLostAsException(() => receiver.CompleteMessageAsync(message, cancellationToken));

    public async Task AbandonAsync(CancellationToken cancellationToken)
    {
        try
        {
            await receiver.AbandonMessageAsync(message, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceBusException e) when (e.Reason == ServiceBusFailureReason.MessageLockLost)
        {
            // The lock already ran out, which releases the message just as abandoning would.
        }
    }

    public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken) =>
        LockLostAsException(() => receiver.DeadLetterMessageAsync(message,
            ServiceBusMessageMapping.Truncate(reason, ServiceBusMessageMapping.MaxReasonChars),
            ServiceBusMessageMapping.Truncate(description, ServiceBusMessageMapping.MaxDescriptionChars), cancellationToken));

    public Task RenewLockAsync(CancellationToken cancellationToken) =>
        LockLostAsException(() => receiver.RenewMessageLockAsync(message, cancellationToken));

    private async Task LockLostAsException(Func<Task> operation)
    {
        try
        {
            await operation().ConfigureAwait(false);
        }
        catch (ServiceBusException e) when (e.Reason == ServiceBusFailureReason.MessageLockLost)
        {
            throw new LockLostException(MessageId, e);
        }
    }
}
