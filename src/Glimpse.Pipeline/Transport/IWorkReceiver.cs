namespace Glimpse.Pipeline.Transport;

/// <summary>The worker's side of the queue: one locked message at a time.</summary>
public interface IWorkReceiver
{
    /// <summary>
    /// The next message, locked for this receiver, or null when none arrived within the transport's wait (Service Bus
    /// long-polls; Storage Queues answer at once).
    /// </summary>
    Task<IReceivedWork?> ReceiveAsync(CancellationToken cancellationToken);
}
