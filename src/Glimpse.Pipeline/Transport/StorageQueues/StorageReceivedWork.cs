using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Glimpse.Core.Contracts;

namespace Glimpse.Pipeline.Transport.StorageQueues;

/// <summary>
/// A Storage queue message held invisible. Every update hands out a new pop receipt, which the next operation must
/// present; a 404 or a pop-receipt mismatch means the visibility timeout lapsed and the message belongs to another
/// delivery now (<see cref="LockLostException"/>).
/// </summary>
internal sealed class StorageReceivedWork : IReceivedWork
{
    private readonly QueueClient _workQueue;
    private readonly QueueClient _poisonQueue;
    private readonly StorageQueueTransportOptions _options;
    private readonly string _queueMessageId;
    private readonly string _originalText;
    private string _popReceipt;

    public StorageReceivedWork(QueueClient workQueue, QueueClient poisonQueue, StorageQueueTransportOptions options, QueueMessage message)
    {
        _workQueue = workQueue;
        _poisonQueue = poisonQueue;
        _options = options;
        _queueMessageId = message.MessageId;
        _popReceipt = message.PopReceipt;
        _originalText = message.Body.ToString();
        DeliveryCount = checked((int)message.DequeueCount);
        LockedUntil = message.NextVisibleOn ?? DateTimeOffset.UtcNow + options.LockDuration;

        // A message that is not an envelope still arrives, with its raw text as the body, so the processor can
        // dead-letter it with a reason instead of it cycling through the queue forever.
        var envelope = QueueEnvelope.TryRead(message.Body);
        MessageId = envelope?.MessageId ?? message.MessageId;
        CorrelationId = envelope?.CorrelationId;
        ContentType = envelope?.ContentType;
        Body = envelope is null ? message.Body : BinaryData.FromString(envelope.Body);
        ApplicationProperties = envelope?.ApplicationProperties.ToDictionary(p => p.Key, p => (object)p.Value) ?? new Dictionary<string, object>();
    }

    public string MessageId { get; }
    public string? CorrelationId { get; }
    public string? ContentType { get; }
    public BinaryData Body { get; }
    public IReadOnlyDictionary<string, object> ApplicationProperties { get; }
    public int DeliveryCount { get; }
    public DateTimeOffset LockedUntil { get; private set; }

    public Task CompleteAsync(CancellationToken cancellationToken) => DeleteAsync(cancellationToken);

    public async Task AbandonAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _workQueue.UpdateMessageAsync(_queueMessageId, _popReceipt, visibilityTimeout: _options.RetryDelay, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (IsLockLost(e))
        {
            // Already visible again, or taken by another delivery: that is what abandoning asks for.
        }
    }

    public async Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken)
    {
        // Claim the message before writing the record: once the lock is lost the message is another delivery's, and a
        // record written now would dead-letter a message that is still in the queue and will be processed again.
        await RenewLockAsync(cancellationToken).ConfigureAwait(false);
        var record = new DeadLetterRecord(MessageId, reason, description, DeliveryCount, DateTimeOffset.UtcNow, _originalText);
        await _poisonQueue.SendMessageAsync(PipelineJson.Serialize(record), cancellationToken: cancellationToken).ConfigureAwait(false);
        await DeleteAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task RenewLockAsync(CancellationToken cancellationToken)
    {
        try
        {
            var receipt = await _workQueue.UpdateMessageAsync(_queueMessageId, _popReceipt, visibilityTimeout: _options.LockDuration, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            _popReceipt = receipt.Value.PopReceipt;
            LockedUntil = receipt.Value.NextVisibleOn;
        }
        catch (RequestFailedException e) when (IsLockLost(e))
        {
            throw new LockLostException(MessageId, e);
        }
    }

    private async Task DeleteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _workQueue.DeleteMessageAsync(_queueMessageId, _popReceipt, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (IsLockLost(e))
        {
            throw new LockLostException(MessageId, e);
        }
    }

    private static bool IsLockLost(RequestFailedException e) =>
        e.Status == 404 || e.ErrorCode == QueueErrorCode.PopReceiptMismatch;
}
