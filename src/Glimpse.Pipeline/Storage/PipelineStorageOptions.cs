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
}
