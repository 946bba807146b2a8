using Azure.Messaging.ServiceBus;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Transport;
using Glimpse.Pipeline.Transport.ServiceBus;
using Glimpse.ServiceBus.TestPeer;

namespace Glimpse.Pipeline.Tests.Transport.Contract;

/// <summary>The contract for the Service Bus transport, its unmodified client talking AMQP to the in-process test peer.</summary>
public sealed class ServiceBusTransportContract : TransportContract
{
    protected override Task<ITransportUnderTest> StartAsync(ContractSettings settings) =>
        Task.FromResult<ITransportUnderTest>(new ServiceBusUnderTest(settings));
}

/// <summary>
/// A peer with a work queue and a completion topic (subscription <c>all</c>) of fresh names, the production
/// <see cref="ServiceBusTransport"/> connected to it, and a second client that reads the dead-letter queue and the
/// subscription as an operator and a subscriber would.
/// </summary>
internal sealed class ServiceBusUnderTest : ITransportUnderTest
{
    public const string Subscription = "all";
    /// <summary>Duplicate detection on, as the work queue is created in Azure.</summary>
    public static readonly TimeSpan DuplicateDetectionWindow = TimeSpan.FromMinutes(10);

    private readonly ServiceBusTestPeer _peer;
    private readonly ServiceBusTransport _transport;
    private readonly ServiceBusClient _inspector;
    private readonly string _queueName;
    private readonly string _topicName;

    public ServiceBusUnderTest(ContractSettings settings)
    {
        _peer = ServiceBusTestPeer.Start();
        string prefix = "t" + Guid.NewGuid().ToString("N")[..12];
        _queueName = prefix + "-jobs";
        _topicName = prefix + "-completed";
        _peer.CreateQueue(_queueName, new PeerEntityOptions
        {
            LockDuration = settings.LockDuration, MaxDeliveryCount = settings.MaxDeliveryCount, DuplicateDetectionWindow = DuplicateDetectionWindow,
        });
        _peer.CreateTopic(_topicName, [Subscription], new PeerEntityOptions { DuplicateDetectionWindow = DuplicateDetectionWindow });
        _transport = new ServiceBusTransport(new ServiceBusTransportOptions
        {
            ConnectionString = _peer.ConnectionString, QueueName = _queueName, TopicName = _topicName, ReceiveWaitTime = TimeSpan.FromSeconds(1),
        });
        _inspector = new ServiceBusClient(_peer.ConnectionString);
    }

    public TransportGuarantees Guarantees { get; } = new(BrokerEnforcesMaxDeliveryCount: true, DropsDuplicateMessageIds: true);
    public IWorkQueue WorkQueue => _transport.WorkQueue;
    public IWorkReceiver Receiver => _transport.Receiver;
    public IEventPublisher Events => _transport.Events;

    public Task<int> CountWorkAsync() => Task.FromResult(_peer.Queue(_queueName).Messages().Count);

    public async Task<IReadOnlyList<DeadLetteredWork>> DeadLettersAsync()
    {
        var dead = await ReceiveAllAsync(_inspector.CreateReceiver(_queueName, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter }));
        return dead.Select(message => new DeadLetteredWork(message.MessageId, message.DeadLetterReason, message.DeadLetterErrorDescription)).ToList();
    }

    public async Task<IReadOnlyList<ReceivedCompletion>> ReceiveCompletionsAsync()
    {
        var received = await ReceiveAllAsync(_inspector.CreateReceiver(_topicName, Subscription));
        return received.Select(message => new ReceivedCompletion(message.MessageId, PipelineJson.Deserialize<CompletionEvent>(message.Body))).ToList();
    }

    /// <summary>Everything the entity holds now, completed as read (the peer delivers what it has at once).</summary>
    internal static async Task<IReadOnlyList<ServiceBusReceivedMessage>> ReceiveAllAsync(ServiceBusReceiver receiver)
    {
        await using var _ = receiver;
        var all = new List<ServiceBusReceivedMessage>();
        while (true)
        {
            var batch = await receiver.ReceiveMessagesAsync(maxMessages: 32, maxWaitTime: TimeSpan.FromSeconds(1));
            if (batch.Count == 0) return all;
            foreach (var message in batch) await receiver.CompleteMessageAsync(message);
            all.AddRange(batch);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _inspector.DisposeAsync();
        await _transport.DisposeAsync();
        await _peer.DisposeAsync();
    }
}
