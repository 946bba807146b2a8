namespace Glimpse.ServiceBus.TestPeer;

/// <summary>What a test may inspect of a message the peer holds (the peer's own view, not a receive).</summary>
public sealed record PeerMessageView(
    long SequenceNumber,
    string? MessageId,
    int DeliveryCount,
    bool IsLocked,
    IReadOnlyDictionary<string, object> ApplicationProperties);
