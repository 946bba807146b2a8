namespace Glimpse.Pipeline.Storage;

/// <summary>
/// Where the pipeline's storage account is: a connection string (Azurite: <c>UseDevelopmentStorage=true</c> or its
/// full form), or service URIs reached with <c>DefaultAzureCredential</c> (managed identity; the account keeps shared
/// keys off), which are used when no connection string is given.
/// </summary>
public sealed class PipelineStorageOptions
{
    public string? ConnectionString { get; set; }
    /// <summary>e.g. https://account.blob.core.windows.net</summary>
    public Uri? BlobServiceUri { get; set; }
    /// <summary>e.g. https://account.queue.core.windows.net</summary>
    public Uri? QueueServiceUri { get; set; }
    /// <summary>
    /// Create the containers (and, with the Storage Queues transport, the queues) at start-up where missing: for local
    /// runs. Deployments create them in their templates and leave this off, so the app needs no rights to create them.
    /// </summary>
    public bool CreateIfMissing { get; set; }
    /// <summary>Per-request retries with backoff for the blob and queue clients.</summary>
    public StorageRetryOptions Retry { get; set; } = new();
}
