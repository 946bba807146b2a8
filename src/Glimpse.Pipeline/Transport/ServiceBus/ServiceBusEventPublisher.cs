using System.Diagnostics;
using Azure.Messaging.ServiceBus;
using Glimpse.Core.Contracts;

namespace Glimpse.Pipeline.Transport.ServiceBus;

/// <summary>Publishes completion events to the <c>glimpse-completed</c> topic; subscriptions may filter on status, model or method.</summary>
public sealed class ServiceBusEventPublisher(ServiceBusSender topicSender) : IEventPublisher
{
    public Task PublishAsync(CompletionEvent completion, CancellationToken cancellationToken) =>
        topicSender.SendMessageAsync(ServiceBusMessageMapping.ToServiceBusMessage(OutgoingMessage.ForCompletion(completion, Activity.Current)), cancellationToken);
}
