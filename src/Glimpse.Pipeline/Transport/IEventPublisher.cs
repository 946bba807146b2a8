using Glimpse.Core.Contracts;

namespace Glimpse.Pipeline.Transport;

/// <summary>Where completion events go (<see cref="OutgoingMessage.ForCompletion"/>).</summary>
public interface IEventPublisher
{
    Task PublishAsync(CompletionEvent completion, CancellationToken cancellationToken);
}
