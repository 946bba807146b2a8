using Glimpse.Pipeline.Transport;
using Glimpse.Pipeline.Transport.ServiceBus;
using Glimpse.Pipeline.Transport.StorageQueues;

namespace Glimpse.Pipeline.Hosting;

/// <summary>The configured transport's three faces, whichever bus is behind them (<see cref="PipelineTransportOptions.Kind"/>).</summary>
public sealed class PipelineTransport : IAsyncDisposable
{
    private readonly IAsyncDisposable? _connection;
    private readonly Func<CancellationToken, Task> _ensureCreated;

    private PipelineTransport(TransportKind kind, IWorkQueue workQueue, IWorkReceiver receiver, IEventPublisher events,
        Func<CancellationToken, Task> ensureCreated, IAsyncDisposable? connection)
    {
        Kind = kind;
        WorkQueue = workQueue;
        Receiver = receiver;
        Events = events;
        _ensureCreated = ensureCreated;
        _connection = connection;
    }

    public TransportKind Kind { get; }
    public IWorkQueue WorkQueue { get; }
    public IWorkReceiver Receiver { get; }
    public IEventPublisher Events { get; }

    public static PipelineTransport Of(StorageQueueTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        return new(TransportKind.StorageQueues, transport.WorkQueue, transport.Receiver, transport.Events, transport.EnsureQueuesAsync, null);
    }

    /// <summary>Service Bus entities are the deployment's to create (they need management rights): nothing is created here.</summary>
    public static PipelineTransport Of(ServiceBusTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        return new(TransportKind.ServiceBus, transport.WorkQueue, transport.Receiver, transport.Events, _ => Task.CompletedTask, transport);
    }

    /// <summary>Creates the transport's queues where missing (Storage Queues only).</summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken) => _ensureCreated(cancellationToken);

    public ValueTask DisposeAsync() => _connection?.DisposeAsync() ?? ValueTask.CompletedTask;
}
