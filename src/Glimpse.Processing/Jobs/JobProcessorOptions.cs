using Glimpse.Core.Validation;

namespace Glimpse.Processing.Jobs;

public sealed class JobProcessorOptions
{
    /// <summary>
    /// The delivery on which a job that keeps failing transiently is given up: dead-lettered with a failure result.
    /// Keep it one below the queue's own max delivery count (Service Bus): a job whose worker crashes on every delivery
    /// is given up by the delivery after this one, which the broker must still make, or the job gets no failure result.
    /// </summary>
    public int MaxDeliveryCount { get; set; } = 5;
    /// <summary>The same bounds ingest checked; the worker re-checks the size of what it downloads.</summary>
    public ImageLimits Images { get; set; } = new();
    /// <summary>
    /// How long finishing off a job whose outcome is recorded may take: its status, its completion event and settling its
    /// message. That work ignores shutdown (an unfinished job is only redelivered to find it done), within this bound.
    /// </summary>
    public TimeSpan SettleTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
