using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Glimpse.Core.Contracts;

namespace Glimpse.Pipeline.Storage;

/// <summary>
/// The status records (<c>glimpse-results/{jobId}/status.json</c>). Every change is a read-decide-write under
/// optimistic concurrency (If-Match on the ETag read, If-None-Match: * when there was none), retried when another
/// writer got in between, so a decision such as "terminal statuses are final" holds against concurrent deliveries.
/// </summary>
public sealed class StatusStore(BlobServiceClient service)
{
    /// <summary>Concurrent writers of one job are at most a handful (ingest, a duplicate delivery); more conflicts than this is a bug.</summary>
    private const int MaxAttempts = 16;

    private readonly BlobContainerClient _results = service.GetBlobContainerClient(BlobLayout.ResultsContainer);

    public async Task<StatusRecord?> ReadAsync(string jobId, CancellationToken cancellationToken) =>
        (await ReadWithETagAsync(jobId, cancellationToken).ConfigureAwait(false)).Record;

    /// <summary>
    /// Applies <paramref name="change"/> to the current record (null when there is none) and stores its answer; when it
    /// answers null nothing is written. Returns the record stored afterwards.
    /// </summary>
    public async Task<StatusRecord?> UpdateAsync(string jobId, Func<StatusRecord?, StatusRecord?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var blob = _results.GetBlobClient(BlobLayout.StatusBlob(jobId));
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var (current, etag) = await ReadWithETagAsync(jobId, cancellationToken).ConfigureAwait(false);
            var next = change(current);
            if (next is null) return current;
            var options = new BlobUploadOptions
            {
                // Clients poll this blob: caches must ask again every time.
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json", CacheControl = "no-cache" },
                Conditions = etag is { } known ? new BlobRequestConditions { IfMatch = known } : new BlobRequestConditions { IfNoneMatch = ETag.All },
            };
            try
            {
                await blob.UploadAsync(PipelineJson.Serialize(next), options, cancellationToken).ConfigureAwait(false);
                return next;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // Another writer changed it since the read: decide again on what it wrote.
            }
        }
        throw new InvalidOperationException($"The status of job {jobId} changed under {MaxAttempts} consecutive updates.");
    }

    private async Task<(StatusRecord? Record, ETag? ETag)> ReadWithETagAsync(string jobId, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _results.GetBlobClient(BlobLayout.StatusBlob(jobId)).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return (PipelineJson.Deserialize<StatusRecord>(response.Value.Content), response.Value.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return (null, null);
        }
    }
}
