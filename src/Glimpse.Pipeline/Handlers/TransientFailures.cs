using System.Net.Sockets;
using Azure;
using Azure.Messaging.ServiceBus;

namespace Glimpse.Pipeline.Handlers;

/// <summary>
/// Which failures are worth another try: the storage or bus service busy or unreachable (HTTP 408, 429, 5xx, no
/// response at all), a transient Service Bus error, or I/O. Anything else is a property of the job and will fail the
/// same way again.
/// </summary>
public static class TransientFailures
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        RequestFailedException failed => failed.Status is 0 or 408 or 429 or >= 500,
        ServiceBusException bus => bus.IsTransient,
        IOException or HttpRequestException or TimeoutException or SocketException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsTransient),
        _ => false,
    };
}
