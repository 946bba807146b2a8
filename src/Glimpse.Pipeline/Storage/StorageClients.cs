using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Glimpse.Pipeline.Storage;

/// <summary>Blob and queue service clients from <see cref="PipelineStorageOptions"/>.</summary>
public static class StorageClients
{
    public static BlobServiceClient CreateBlobService(PipelineStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrEmpty(options.ConnectionString)) return new BlobServiceClient(options.ConnectionString);
        return options.BlobServiceUri is { } uri
            ? new BlobServiceClient(uri, new DefaultAzureCredential())
            : throw new InvalidOperationException("Storage needs a ConnectionString or a BlobServiceUri.");
    }

    /// <summary>
    /// Queue messages are Base64-encoded: any text is then safe in the queue's XML protocol, and it is the encoding
    /// the Azure Functions queue trigger expects.
    /// </summary>
    public static QueueServiceClient CreateQueueService(PipelineStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clientOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        if (!string.IsNullOrEmpty(options.ConnectionString)) return new QueueServiceClient(options.ConnectionString, clientOptions);
        return options.QueueServiceUri is { } uri
            ? new QueueServiceClient(uri, new DefaultAzureCredential(), clientOptions)
            : throw new InvalidOperationException("Storage needs a ConnectionString or a QueueServiceUri.");
    }
}
