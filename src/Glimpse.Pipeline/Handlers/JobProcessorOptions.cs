using Glimpse.Pipeline.Validation;

namespace Glimpse.Pipeline.Handlers;

public sealed class JobProcessorOptions
{
    /// <summary>
    /// The delivery on which a job that keeps failing transiently is given up: dead-lettered with a failure result.
    /// Keep it at or below the queue's own max delivery count (Service Bus), or the broker dead-letters the message
    /// first and the job gets no failure result.
    /// </summary>
    public int MaxDeliveryCount { get; set; } = 5;
    /// <summary>The same bounds ingest checked; the worker re-checks the size of what it downloads.</summary>
    public ImageLimits Images { get; set; } = new();
    /// <summary>
    /// How long settling a message whose outcome is already recorded may take. Settling then ignores shutdown: a
    /// message left unsettled is only redelivered to find its job done.
    /// </summary>
    public TimeSpan SettleTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
