using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Glimpse.Core.Contracts;

namespace Glimpse.Pipeline.Storage;

/// <summary>
/// Reads what clients upload to the jobs container. Reads are bounded: only as many bytes as the caller asks for are
/// downloaded, so an oversized upload costs one properties request, not its size.
/// </summary>
public sealed class JobStore(BlobServiceClient service)
{
    private readonly BlobContainerClient _jobs = service.GetBlobContainerClient(BlobLayout.JobsContainer);

    /// <summary>
    /// The blob's first <paramref name="maxBytes"/> bytes and its size, or null when it does not exist. The ranged
    /// read is pinned to the ETag the size came from, so both describe the same version of the blob.
    /// </summary>
    public async Task<BlobPrefix?> ReadPrefixAsync(string blobName, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        var blob = _jobs.GetBlobClient(blobName);
        BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        // A zero-length range is refused by the service (416), so an empty blob is answered without a read.
        if (properties.ContentLength == 0) return new BlobPrefix([], 0);

        var options = new BlobDownloadOptions
        {
            Range = new HttpRange(0, Math.Min(maxBytes, properties.ContentLength)),
            Conditions = new BlobRequestConditions { IfMatch = properties.ETag },
        };
        try
        {
            var content = await blob.DownloadContentAsync(options, cancellationToken).ConfigureAwait(false);
            return new BlobPrefix(content.Value.Content.ToArray(), properties.ContentLength);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>The whole blob when it is at most <paramref name="maxBytes"/> long; its prefix otherwise (the caller checks <see cref="BlobPrefix.IsWhole"/>).</summary>
    public Task<BlobPrefix?> ReadAsync(string blobName, long maxBytes, CancellationToken cancellationToken) =>
        ReadPrefixAsync(blobName, (int)Math.Min(maxBytes, Array.MaxLength), cancellationToken);
}
