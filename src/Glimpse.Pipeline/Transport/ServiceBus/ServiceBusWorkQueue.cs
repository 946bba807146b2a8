using System.Diagnostics;
using Azure.Messaging.ServiceBus;
using Glimpse.Core.Contracts;

namespace Glimpse.Pipeline.Transport.ServiceBus;

/// <summary>Sends work to the Service Bus queue; its duplicate detection drops a second message with the same job id.</summary>
public sealed class ServiceBusWorkQueue(ServiceBusSender sender) : IWorkQueue
{
    public Task SendAsync(WorkMessage message, CancellationToken cancellationToken) =>
        sender.SendMessageAsync(ServiceBusMessageMapping.ToServiceBusMessage(OutgoingMessage.ForWork(message, Activity.Current)), cancellationToken);
}
