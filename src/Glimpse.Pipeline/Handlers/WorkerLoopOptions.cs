namespace Glimpse.Pipeline.Handlers;

public sealed class WorkerLoopOptions
{
    /// <summary>How often the lock of the message in hand is renewed; well under the lock duration (a third is usual).</summary>
    public TimeSpan LockRenewalInterval { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>
    /// How long a lock is kept renewed: longer than the longest job. A job still running then is cancelled and its
    /// lock left to lapse, so a hung job is redelivered (and, repeated, dead-lettered) instead of held forever.
    /// </summary>
    public TimeSpan MaxJobDuration { get; set; } = TimeSpan.FromHours(2);
    /// <summary>The pause after a receive that found nothing (Storage Queues answer at once) or failed transiently.</summary>
    public TimeSpan IdleDelay { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>How long shutdown waits for the in-flight message to be abandoned.</summary>
    public TimeSpan AbandonTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
