using Glimpse.Pipeline.Transport;

namespace Glimpse.Pipeline.Handlers;

/// <summary>The worker's handling of one received work message (the worker's is Glimpse.Processing's JobProcessor).</summary>
public interface IJobProcessor
{
    /// <summary>
    /// Handles the message and settles it (complete, abandon or dead-letter), except when
    /// <paramref name="cancellationToken"/> fires: then it stops and leaves settlement to the caller, which knows
    /// whether the lock was lost (nothing may be settled) or the host is stopping (abandon).
    /// </summary>
    Task ProcessAsync(IReceivedWork work, CancellationToken cancellationToken);
}
