namespace Glimpse.Pipeline.Transport;

/// <summary>
/// A message held under a lock (Service Bus peek-lock, or a Storage queue message's visibility timeout). Exactly one
/// settlement ends it; if none comes before the lock expires, the transport delivers it again.
/// </summary>
public interface IReceivedWork
{
    string MessageId { get; }
    string? CorrelationId { get; }
    string? ContentType { get; }
    BinaryData Body { get; }
    IReadOnlyDictionary<string, object> ApplicationProperties { get; }
    /// <summary>1 on the first delivery; each lock that expired or was abandoned adds one.</summary>
    int DeliveryCount { get; }
    DateTimeOffset LockedUntil { get; }

    /// <summary>Done: the message is removed.</summary>
    Task CompleteAsync(CancellationToken cancellationToken);
    /// <summary>Give it back for another delivery (a transient failure, or shutdown).</summary>
    Task AbandonAsync(CancellationToken cancellationToken);
    /// <summary>Move it to the dead-letter queue with a reason: it will never succeed.</summary>
    Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken);
    /// <summary>Extend the lock; a <see cref="LockLostException"/> when it has already been lost.</summary>
    Task RenewLockAsync(CancellationToken cancellationToken);
}
