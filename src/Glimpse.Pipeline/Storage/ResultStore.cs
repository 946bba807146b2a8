using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Glimpse.Pipeline.Contracts;

namespace Glimpse.Pipeline.Storage;

/// <summary>
/// Writes and reads a job's results in the results container. Results are create-once: a write carries
/// <c>If-None-Match: *</c>, so a redelivered or duplicated job can never overwrite what an earlier delivery wrote.
/// </summary>
public sealed class ResultStore(BlobServiceClient service)
{
    private readonly BlobContainerClient _results = service.GetBlobContainerClient(BlobLayout.ResultsContainer);

    /// <summary>
    /// Creates the blob unless it exists; true when this call created it, false when it was already there (the service
    /// answers 409 BlobAlreadyExists, or 412 on some versions, to <c>If-None-Match: *</c>).
    /// </summary>
    public async Task<bool> TryCreateAsync(string blobName, BinaryData content, string contentType, CancellationToken cancellationToken)
    {
        var options = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
        };
        try
        {
            await _results.GetBlobClient(blobName).UploadAsync(content, options, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    public async Task<bool> ExistsAsync(string blobName, CancellationToken cancellationToken) =>
        (await _results.GetBlobClient(blobName).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;

    /// <summary>The blob's content, or null when it does not exist.</summary>
    public async Task<BinaryData?> ReadAsync(string blobName, CancellationToken cancellationToken)
    {
        try
        {
            return (await _results.GetBlobClient(blobName).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>The blob's full URI, as completion events name results.</summary>
    public Uri UriOf(string blobName) => _results.GetBlobClient(blobName).Uri;
}
