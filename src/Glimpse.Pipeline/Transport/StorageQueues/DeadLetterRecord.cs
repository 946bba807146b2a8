namespace Glimpse.Pipeline.Transport.StorageQueues;

/// <summary>
/// What the poison queue holds for a dead-lettered message: why, after how many deliveries, and the original message
/// text, so an operator can read the reason and re-queue the original.
/// </summary>
public sealed record DeadLetterRecord(
    string MessageId, string Reason, string Description, int DeliveryCount, DateTimeOffset DeadLetteredAt, string OriginalMessage);
