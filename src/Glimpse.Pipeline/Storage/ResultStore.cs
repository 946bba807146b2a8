using Azure.Storage.Blobs;
using Glimpse.Core.Contracts;

namespace Glimpse.Pipeline.Storage;

/// <summary>
/// Writes and reads a job's results in the results container. Results are create-once: a write carries
/// <c>If-None-Match: *</c>, so a redelivered or duplicated job can never overwrite what an earlier delivery wrote.
/// </summary>
public sealed class ResultStore(BlobServiceClient service)
{
    private readonly BlobContainerClient _results = service.GetBlobContainerClient(BlobLayout.ResultsContainer);

    /// <summary>Creates the blob unless it exists; true when this call created it, false when it was already there.</summary>
    public Task<bool> TryCreateAsync(string blobName, BinaryData content, string contentType, CancellationToken cancellationToken) =>
        BlobOperations.TryCreateAsync(_results.GetBlobClient(blobName), content, contentType, cancellationToken);

    public async Task<bool> ExistsAsync(string blobName, CancellationToken cancellationToken) =>
        (await _results.GetBlobClient(blobName).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;

    /// <summary>The blob's content, or null when it does not exist.</summary>
    public Task<BinaryData?> ReadAsync(string blobName, CancellationToken cancellationToken) =>
        BlobOperations.ReadAsync(_results.GetBlobClient(blobName), cancellationToken);

    /// <summary>The blob's full URI, as completion events name results.</summary>
    public Uri UriOf(string blobName) => _results.GetBlobClient(blobName).Uri;
}
