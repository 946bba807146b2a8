using Azure.Identity;
using Azure.Messaging.ServiceBus;

namespace Glimpse.Pipeline.Transport.ServiceBus;

/// <summary>
/// The production transport: the work queue (peek-lock, duplicate detection by job id, broker-side max delivery count)
/// and the completion topic, on one <see cref="ServiceBusClient"/> connection.
/// </summary>
public sealed class ServiceBusTransport : IAsyncDisposable
{
    private readonly ServiceBusClient _client;
    private readonly ServiceBusSender _workSender;
    private readonly ServiceBusSender _topicSender;
    private readonly ServiceBusReceiver _receiver;

    public ServiceBusTransport(ServiceBusTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = CreateClient(options);
        _workSender = _client.CreateSender(options.QueueName);
        _topicSender = _client.CreateSender(options.TopicName);
        _receiver = _client.CreateReceiver(options.QueueName, new ServiceBusReceiverOptions
        {
            ReceiveMode = ServiceBusReceiveMode.PeekLock,
            PrefetchCount = 0,
        });
        WorkQueue = new ServiceBusWorkQueue(_workSender);
        Receiver = new ServiceBusWorkReceiver(_receiver, options.ReceiveWaitTime);
        Events = new ServiceBusEventPublisher(_topicSender);
    }

    public IWorkQueue WorkQueue { get; }
    public IWorkReceiver Receiver { get; }
    public IEventPublisher Events { get; }

    public static ServiceBusClient CreateClient(ServiceBusTransportOptions options)
    {
        if (!string.IsNullOrEmpty(options.ConnectionString)) return new ServiceBusClient(options.ConnectionString);
        if (!string.IsNullOrEmpty(options.FullyQualifiedNamespace)) return new ServiceBusClient(options.FullyQualifiedNamespace, new DefaultAzureCredential());
        throw new InvalidOperationException("Service Bus needs a ConnectionString or a FullyQualifiedNamespace.");
    }

    public async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync().ConfigureAwait(false);
        await _topicSender.DisposeAsync().ConfigureAwait(false);
        await _workSender.DisposeAsync().ConfigureAwait(false);
        await _client.DisposeAsync().ConfigureAwait(false);
    }
}
