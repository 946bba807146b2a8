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
        (await ReadStoredAsync(jobId, cancellationToken).ConfigureAwait(false)).Record;

    /// <summary>The record with the ETag it was read with, for a later <see cref="UpdateAsync(string, StoredStatus?, Func{StatusRecord?, StatusRecord?}, CancellationToken)"/>.</summary>
    public Task<StoredStatus> ReadStoredAsync(string jobId, CancellationToken cancellationToken) => ReadWithETagAsync(jobId, cancellationToken);

    /// <summary>
    /// Applies <paramref name="change"/> to the current record (null when there is none) and stores its answer; when it
    /// answers null nothing is written. Returns the record stored afterwards.
    /// </summary>
    public async Task<StatusRecord?> UpdateAsync(string jobId, Func<StatusRecord?, StatusRecord?> change, CancellationToken cancellationToken) =>
        (await UpdateAsync(jobId, null, change, cancellationToken).ConfigureAwait(false)).Record;

    /// <summary>
    /// As <see cref="UpdateAsync(string, Func{StatusRecord?, StatusRecord?}, CancellationToken)"/>, starting from a record
    /// this process read or wrote (<paramref name="known"/>) instead of reading it again: the write is conditional on its
    /// ETag, so when anything else wrote in between the write is refused and the change is decided again on a fresh read.
    /// A worker that chains its updates this way saves one read per update. Returns the record stored afterwards with its ETag.
    /// </summary>
    public async Task<StoredStatus> UpdateAsync(string jobId, StoredStatus? known, Func<StatusRecord?, StatusRecord?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var blob = _results.GetBlobClient(BlobLayout.StatusBlob(jobId));
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var (current, etag) = attempt == 0 && known is not null ? known : await ReadWithETagAsync(jobId, cancellationToken).ConfigureAwait(false);
            var next = change(current);
            if (next is null) return new StoredStatus(current, etag);
            var options = new BlobUploadOptions
            {
                // Clients poll this blob: caches must ask again every time.
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json", CacheControl = "no-cache" },
                Conditions = etag is { } version ? new BlobRequestConditions { IfMatch = version } : new BlobRequestConditions { IfNoneMatch = ETag.All },
            };
            try
            {
                var written = await blob.UploadAsync(PipelineJson.Serialize(next), options, cancellationToken).ConfigureAwait(false);
                return new StoredStatus(next, written.Value.ETag);
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // Another writer changed it since the read: decide again on what it wrote.
            }
        }
        throw new InvalidOperationException($"The status of job {jobId} changed under {MaxAttempts} consecutive updates.");
    }

    private async Task<StoredStatus> ReadWithETagAsync(string jobId, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _results.GetBlobClient(BlobLayout.StatusBlob(jobId)).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return new StoredStatus(PipelineJson.Deserialize<StatusRecord>(response.Value.Content), response.Value.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return StoredStatus.None;
        }
    }
}

/// <summary>A status record as stored, with the ETag of that version (both null when there is no record).</summary>
public sealed record StoredStatus(StatusRecord? Record, ETag? ETag)
{
    public static StoredStatus None { get; } = new(null, null);
}
