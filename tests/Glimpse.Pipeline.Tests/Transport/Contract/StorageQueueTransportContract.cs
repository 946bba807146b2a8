using System.Text.Json;
using Azure.Storage.Queues;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Storage;
using Glimpse.Pipeline.Transport;
using Glimpse.Pipeline.Transport.StorageQueues;

namespace Glimpse.Pipeline.Tests.Transport.Contract;

/// <summary>The contract for the Storage Queues transport, against real Azurite.</summary>
[Collection(PipelineCollection.Name)]
public sealed class StorageQueueTransportContract(Azurite azurite) : TransportContract
{
    protected override async Task<ITransportUnderTest> StartAsync(ContractSettings settings)
    {
        var transport = new StorageUnderTest(azurite, settings);
        await transport.Transport.EnsureQueuesAsync(CancellationToken.None);
        return transport;
    }
}

/// <summary>
/// A <see cref="StorageQueueTransport"/> on queues of fresh names. It has no broker-side delivery limit (the queue
/// message's dequeue count only grows) and no duplicate detection; abandoned messages come back at once here.
/// </summary>
internal sealed class StorageUnderTest : ITransportUnderTest
{
    private readonly QueueServiceClient _queues;
    private readonly StorageQueueTransportOptions _options;

    public StorageUnderTest(Azurite azurite, ContractSettings settings)
    {
        _queues = StorageClients.CreateQueueService(new PipelineStorageOptions { ConnectionString = azurite.ConnectionString });
        string prefix = "t" + Guid.NewGuid().ToString("N")[..12];
        _options = new StorageQueueTransportOptions
        {
            WorkQueueName = prefix + "-jobs", CompletionQueueName = prefix + "-completed", LockDuration = settings.LockDuration, RetryDelay = TimeSpan.Zero,
        };
        Transport = new StorageQueueTransport(_queues, _options);
    }

    public StorageQueueTransport Transport { get; }
    public TransportGuarantees Guarantees { get; } = new(BrokerEnforcesMaxDeliveryCount: false, DropsDuplicateMessageIds: false);
    public IWorkQueue WorkQueue => Transport.WorkQueue;
    public IWorkReceiver Receiver => Transport.Receiver;
    public IEventPublisher Events => Transport.Events;

    public async Task<int> CountWorkAsync() =>
        (await _queues.GetQueueClient(_options.WorkQueueName).GetPropertiesAsync()).Value.ApproximateMessagesCount;

    public async Task<IReadOnlyList<DeadLetteredWork>> DeadLettersAsync() =>
        (await _queues.GetQueueClient(_options.PoisonQueueName).PeekMessagesAsync(32)).Value
            .Select(message => PipelineJson.Deserialize<DeadLetterRecord>(message.Body))
            .Select(record => new DeadLetteredWork(record.MessageId, record.Reason, record.Description))
            .ToList();

    public async Task<IReadOnlyList<ReceivedCompletion>> ReceiveCompletionsAsync()
    {
        var completions = _queues.GetQueueClient(_options.CompletionQueueName);
        var received = new List<ReceivedCompletion>();
        foreach (var message in (await completions.ReceiveMessagesAsync(32)).Value)
        {
            // The queue message is the transport's envelope: broker fields beside the body text.
            var envelope = JsonDocument.Parse(message.Body.ToString()).RootElement;
            var completion = PipelineJson.Deserialize<CompletionEvent>(BinaryData.FromString(envelope.GetProperty("body").GetString()!));
            received.Add(new ReceivedCompletion(envelope.GetProperty("message_id").GetString()!, completion));
            await completions.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }
        return received;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
