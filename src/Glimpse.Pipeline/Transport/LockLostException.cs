namespace Glimpse.Pipeline.Transport;

/// <summary>
/// The message's lock is gone (it expired, or another receiver holds the message now): this receiver may no longer
/// settle it, and the message will be, or already is, delivered again.
/// </summary>
public sealed class LockLostException(string messageId, Exception? inner = null)
    : Exception($"The lock on message '{messageId}' was lost; it will be delivered again.", inner);
