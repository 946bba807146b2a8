using Azure.Core;

namespace Glimpse.Pipeline.Storage;

/// <summary>
/// How the blob and queue clients retry one request that failed transiently (HTTP 408, 429, 5xx, a dropped
/// connection), with exponential backoff, before the failure reaches the handlers. This is the first of two layers:
/// a request that still fails makes the handler abandon the message, and the transport redelivers it, up to
/// the job processor's MaxDeliveryCount (<c>Glimpse:Processor:MaxDeliveryCount</c>) times. The values are the Azure SDK's defaults, stated
/// here so a deployment can see and tune them (<c>Glimpse__Storage__Retry__MaxRetries</c> …) and tests can shorten
/// the delays.
/// </summary>
public sealed class StorageRetryOptions
{
    /// <summary>Retries after the first attempt; 0 leaves all retrying to redelivery.</summary>
    public int MaxRetries { get; set; } = 3;
    /// <summary>The first backoff; each retry doubles it (with jitter), up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(0.8);
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>How long one attempt may take before it counts as failed (and is retried).</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Copies these values onto a client's retry options.</summary>
    public void ApplyTo(RetryOptions retry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        retry.Mode = RetryMode.Exponential;
        retry.MaxRetries = MaxRetries;
        retry.Delay = Delay;
        retry.MaxDelay = MaxDelay;
        retry.NetworkTimeout = NetworkTimeout;
    }
}
