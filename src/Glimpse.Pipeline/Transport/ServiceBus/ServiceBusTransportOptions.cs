namespace Glimpse.Pipeline.Transport.ServiceBus;

/// <summary>
/// Where the Service Bus transport connects: a connection string (an emulator, or a namespace's SAS key), or a fully
/// qualified namespace (<c>name.servicebus.windows.net</c>) reached with <c>DefaultAzureCredential</c> (managed identity
/// in Azure), which is used when no connection string is given.
/// </summary>
public sealed class ServiceBusTransportOptions
{
    public string? ConnectionString { get; set; }
    public string? FullyQualifiedNamespace { get; set; }
    /// <summary>The work queue; create it with duplicate detection on, a lock duration and a max delivery count.</summary>
    public string QueueName { get; set; } = "glimpse-jobs";
    public string TopicName { get; set; } = "glimpse-completed";
    /// <summary>How long one receive waits for a message before answering with none.</summary>
    public TimeSpan ReceiveWaitTime { get; set; } = TimeSpan.FromSeconds(30);
}
