namespace Glimpse.ServiceBus.TestPeer;

/// <summary>
/// An entity's settings, as a Service Bus queue or subscription has them. The defaults are test-sized: a lock of
/// seconds, not Service Bus's 1 minute, so lock expiry can be exercised quickly.
/// </summary>
public sealed record PeerEntityOptions
{
    /// <summary>How long a peek-lock delivery holds the message; a renewal extends it by this much from now.</summary>
    public TimeSpan LockDuration { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Deliveries allowed before an abandoned or expired message goes to the dead-letter queue.</summary>
    public int MaxDeliveryCount { get; init; } = 10;
    /// <summary>When set, a second message with a MessageId seen within this window is accepted and dropped.</summary>
    public TimeSpan? DuplicateDetectionWindow { get; init; }
}
