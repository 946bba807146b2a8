using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Glimpse.Pipeline.Storage;

/// <summary>The two blob operations every store needs: a create-once write and a read that answers null for a missing blob.</summary>
public static class BlobOperations
{
    /// <summary>
    /// Creates the blob unless it exists; true when this call created it, false when it was already there (the service
    /// answers 409 BlobAlreadyExists, or 412 on some versions, to <c>If-None-Match: *</c>).
    /// </summary>
    public static async Task<bool> TryCreateAsync(BlobClient blob, BinaryData content, string? contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var options = new BlobUploadOptions
        {
            HttpHeaders = contentType is null ? null : new BlobHttpHeaders { ContentType = contentType },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
        };
        try
        {
            await blob.UploadAsync(content, options, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <summary>The blob's content, or null when it does not exist.</summary>
    public static async Task<BinaryData?> ReadAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        try
        {
            return (await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }
}
