using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Glimpse.Pipeline.Storage;

/// <summary>Blob and queue service clients from <see cref="PipelineStorageOptions"/>.</summary>
public static class StorageClients
{
    /// <param name="clientOptions">Client options to start from (e.g. with a pipeline policy added); the retry options are set on them.</param>
    public static BlobServiceClient CreateBlobService(PipelineStorageOptions options, BlobClientOptions? clientOptions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        clientOptions ??= new BlobClientOptions();
        options.Retry.ApplyTo(clientOptions.Retry);
        if (!string.IsNullOrEmpty(options.ConnectionString)) return new BlobServiceClient(options.ConnectionString, clientOptions);
        return options.BlobServiceUri is { } uri
            ? new BlobServiceClient(uri, new DefaultAzureCredential(), clientOptions)
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
        options.Retry.ApplyTo(clientOptions.Retry);
        if (!string.IsNullOrEmpty(options.ConnectionString)) return new QueueServiceClient(options.ConnectionString, clientOptions);
        return options.QueueServiceUri is { } uri
            ? new QueueServiceClient(uri, new DefaultAzureCredential(), clientOptions)
            : throw new InvalidOperationException("Storage needs a ConnectionString or a QueueServiceUri.");
    }
}
