namespace Glimpse.ServiceBus.TestPeer;

/// <summary>
/// A topic: what is sent to it is copied into every subscription (no filters: each subscription has Service Bus's
/// default true rule). Duplicate detection, when on, is the topic's; the lock and delivery settings are each
/// subscription's own.
/// </summary>
public sealed class PeerTopic
{
    private readonly object _sync = new();
    private readonly DuplicateDetector _duplicates;
    private readonly TimeProvider _time;

    internal PeerTopic(string name, PeerEntityOptions options, TimeProvider time, IEnumerable<string> subscriptionNames)
    {
        Name = name;
        _time = time;
        _duplicates = new DuplicateDetector(options.DuplicateDetectionWindow);
        var subscriptionOptions = options with { DuplicateDetectionWindow = null };
        Subscriptions = subscriptionNames.ToDictionary(
            subscription => subscription,
            subscription => new PeerQueue(SubscriptionPath(name, subscription), subscriptionOptions, time),
            StringComparer.OrdinalIgnoreCase);
    }

    public string Name { get; }
    public IReadOnlyDictionary<string, PeerQueue> Subscriptions { get; }

    /// <summary>The entity path a subscription's receiver uses: <c>topic/Subscriptions/name</c>.</summary>
    public static string SubscriptionPath(string topic, string subscription) => $"{topic}/Subscriptions/{subscription}";

    internal void Publish(PeerMessage sent)
    {
        lock (_sync)
        {
            if (!_duplicates.Admit(sent.MessageId, _time.GetUtcNow().UtcDateTime)) return;
        }
        foreach (var subscription in Subscriptions.Values) subscription.Enqueue(sent);
    }
}
