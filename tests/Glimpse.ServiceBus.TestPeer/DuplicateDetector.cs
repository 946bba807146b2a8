namespace Glimpse.ServiceBus.TestPeer;

/// <summary>
/// Service Bus duplicate detection: within the window, a MessageId already accepted makes a later send a no-op
/// (the send still succeeds, as on Service Bus). Callers hold their entity's lock.
/// </summary>
internal sealed class DuplicateDetector(TimeSpan? window)
{
    private readonly Dictionary<string, DateTime> _seen = new(StringComparer.Ordinal);

    /// <summary>True when the message is new (and is remembered now); false for a duplicate within the window.</summary>
    public bool Admit(string? messageId, DateTime nowUtc)
    {
        if (window is not { } span || messageId is null) return true;
        foreach (var stale in _seen.Where(entry => nowUtc - entry.Value > span).Select(entry => entry.Key).ToList())
            _seen.Remove(stale);
        if (_seen.ContainsKey(messageId)) return false;
        _seen[messageId] = nowUtc;
        return true;
    }
}
