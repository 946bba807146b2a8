using Glimpse.Pipeline.Transport;

namespace Glimpse.Pipeline.Tests;

public static class Receiving
{
    /// <summary>
    /// Receives until a message comes (Storage answers at once, Service Bus long-polls), failing after <paramref name="within"/>:
    /// for messages a test expects, such as one whose lock is about to lapse.
    /// </summary>
    public static async Task<IReceivedWork> NextAsync(IWorkReceiver receiver, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (await receiver.ReceiveAsync(CancellationToken.None) is { } work) return work;
            await Task.Delay(100);
        }
        throw new TimeoutException($"no message arrived within {within}");
    }
}
