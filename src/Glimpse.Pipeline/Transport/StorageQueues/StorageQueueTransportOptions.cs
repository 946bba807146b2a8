namespace Glimpse.Pipeline.Transport.StorageQueues;

/// <summary>Queue names and lock timing for the Storage Queues transport.</summary>
public sealed class StorageQueueTransportOptions
{
    public const string PoisonSuffix = "-poison";

    public string WorkQueueName { get; set; } = "glimpse-jobs";
    /// <summary>Storage Queues have no topics: completion events go to one queue that the client reads.</summary>
    public string CompletionQueueName { get; set; } = "glimpse-completed";
    /// <summary>The visibility timeout a receive or a lock renewal sets: the lock's length.</summary>
    public TimeSpan LockDuration { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>How long an abandoned message stays invisible before its next delivery.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The dead-letter queue: <c>&lt;work queue&gt;-poison</c>, the name Azure Functions' queue trigger uses.</summary>
    public string PoisonQueueName => WorkQueueName + PoisonSuffix;
}
