namespace Glimpse.Pipeline.Hosting;

/// <summary>Which bus carries work and completion events.</summary>
public enum TransportKind
{
    /// <summary>Azure Service Bus: the production transport (queue glimpse-jobs, topic glimpse-completed).</summary>
    ServiceBus,
    /// <summary>Azure Storage Queues: the local mode's transport (Azurite), and a cheaper production option.</summary>
    StorageQueues,
}

public sealed class PipelineTransportOptions
{
    /// <summary>ServiceBus unless configured otherwise: a deployment that forgets to say gets the production transport.</summary>
    public TransportKind Kind { get; set; } = TransportKind.ServiceBus;
}

/// <summary>Where the worker runs its model: <c>cpu</c> or <c>cuda</c> (<c>cuda:1</c> for a second GPU).</summary>
public sealed class WorkerDeviceOptions
{
    public string Device { get; set; } = "cpu";
}
