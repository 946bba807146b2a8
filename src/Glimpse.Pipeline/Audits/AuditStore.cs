using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Storage;

namespace Glimpse.Pipeline.Audits;

/// <summary>
/// The audits container (suites and runs, <see cref="AuditLayout"/>) and the audit's writes into the jobs container.
/// Everything a run writes is create-once (<c>If-None-Match: *</c>), which is what makes a repeated tick harmless.
/// </summary>
public sealed class AuditStore(BlobServiceClient service)
{
    private readonly BlobContainerClient _audits = service.GetBlobContainerClient(BlobLayout.AuditsContainer);
    private readonly BlobContainerClient _jobs = service.GetBlobContainerClient(BlobLayout.JobsContainer);

    /// <summary>The top-level folders of the audits container that are suite names (the runs folder is not).</summary>
    public async Task<IReadOnlyList<string>> ListSuitesAsync(CancellationToken cancellationToken) =>
        (await ListFoldersAsync(prefix: "", cancellationToken).ConfigureAwait(false)).Where(AuditLayout.IsValidSuiteName).Order(StringComparer.Ordinal).ToList();

    /// <summary>Every run id, oldest first (run ids sort by time).</summary>
    public async Task<IReadOnlyList<string>> ListRunsAsync(CancellationToken cancellationToken) =>
        (await ListFoldersAsync(AuditLayout.RunsFolder + "/", cancellationToken).ConfigureAwait(false)).Where(AuditLayout.IsValidRunId).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The blob in the audits container when it is at most <paramref name="maxBytes"/> long; null when it does not
    /// exist; an <see cref="InvalidDataException"/> when it is larger (its size is read first, so a huge blob is not downloaded).
    /// </summary>
    public async Task<BinaryData?> ReadAsync(string blobName, long maxBytes, CancellationToken cancellationToken)
    {
        long? size = await SizeOfAsync(blobName, cancellationToken).ConfigureAwait(false);
        if (size is null) return null;
        if (size > maxBytes) throw new InvalidDataException($"{blobName} is {size} bytes; the limit is {maxBytes}");
        return await BlobOperations.ReadAsync(_audits.GetBlobClient(blobName), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The blob's size in bytes, or null when it does not exist.</summary>
    public async Task<long?> SizeOfAsync(string blobName, CancellationToken cancellationToken)
    {
        try
        {
            return (await _audits.GetBlobClient(blobName).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value.ContentLength;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<bool> ExistsAsync(string blobName, CancellationToken cancellationToken) =>
        (await _audits.GetBlobClient(blobName).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;

    /// <summary>Creates a blob of the audits container unless it exists; true when this call created it.</summary>
    public Task<bool> TryCreateAsync(string blobName, BinaryData content, string contentType, CancellationToken cancellationToken) =>
        BlobOperations.TryCreateAsync(_audits.GetBlobClient(blobName), content, contentType, cancellationToken);

    /// <summary>Writes a suite's file, replacing what is there (suites are the user's to edit; runs are not).</summary>
    public async Task UploadSuiteFileAsync(string blobName, BinaryData content, string contentType, CancellationToken cancellationToken) =>
        await _audits.GetBlobClient(blobName).UploadAsync(content,
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } }, cancellationToken).ConfigureAwait(false);

    /// <summary>Creates a blob of the jobs container unless it exists, as a client uploads a job's image or manifest.</summary>
    public Task<bool> TryCreateJobBlobAsync(string blobName, BinaryData content, string contentType, CancellationToken cancellationToken) =>
        BlobOperations.TryCreateAsync(_jobs.GetBlobClient(blobName), content, contentType, cancellationToken);

    public async Task<bool> JobBlobExistsAsync(string blobName, CancellationToken cancellationToken) =>
        (await _jobs.GetBlobClient(blobName).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;

    private async Task<List<string>> ListFoldersAsync(string prefix, CancellationToken cancellationToken)
    {
        var folders = new List<string>();
        await foreach (var item in _audits.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix, cancellationToken).ConfigureAwait(false))
            if (item.IsPrefix) folders.Add(item.Prefix[prefix.Length..].TrimEnd('/'));
        return folders;
    }
}
