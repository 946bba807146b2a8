using Azure.Messaging.ServiceBus;

namespace Glimpse.Pipeline.Transport.ServiceBus;

/// <summary>Receives work in peek-lock mode, one message at a time (the receiver must not prefetch: a prefetched message's lock runs out while it waits).</summary>
public sealed class ServiceBusWorkReceiver(ServiceBusReceiver receiver, TimeSpan waitTime) : IWorkReceiver
{
    public async Task<IReceivedWork?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var message = await receiver.ReceiveMessageAsync(waitTime, cancellationToken).ConfigureAwait(false);
        return message is null ? null : new ServiceBusReceivedWork(receiver, message);
    }
}
