using Glimpse.Core.Contracts;

namespace Glimpse.Pipeline.Transport;

/// <summary>
/// Where ingest puts work. A send carries <see cref="OutgoingMessage.ForWork"/>'s fields: message id = job id,
/// the correlation id, content type application/json and the current trace context.
/// </summary>
public interface IWorkQueue
{
    Task SendAsync(WorkMessage message, CancellationToken cancellationToken);
}
