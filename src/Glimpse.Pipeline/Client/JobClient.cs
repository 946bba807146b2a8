using Azure.Storage.Blobs;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Storage;

namespace Glimpse.Pipeline.Client;

/// <summary>What a client submits: the image's bytes and name, and the manifest that refers to it.</summary>
public sealed record JobSubmission(byte[] Image, JobManifest Manifest);

/// <summary>
/// The client side of the job contract: uploads a job as the contract asks (the image first, the manifest last, each
/// created once so an existing job is never overwritten), and waits for its status to become terminal.
/// </summary>
public sealed class JobClient(BlobServiceClient service)
{
    private readonly BlobContainerClient _jobs = service.GetBlobContainerClient(BlobLayout.JobsContainer);
    private readonly StatusStore _statuses = new(service);
    private readonly ResultStore _results = new(service);

    /// <summary>A fresh job id: sortable by submission time, unique by its random tail.</summary>
    public static string NewJobId() => $"job-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Uploads the job; an <see cref="InvalidOperationException"/> when a job with that id already exists.</summary>
    public async Task<string> SubmitAsync(string jobId, JobSubmission submission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        string manifestBlob = BlobLayout.ManifestBlob(jobId);
        if (!await CreateAsync(BlobLayout.ImageBlob(jobId, submission.Manifest.Image), BinaryData.FromBytes(submission.Image), null, cancellationToken).ConfigureAwait(false)
            || !await CreateAsync(manifestBlob, PipelineJson.Serialize(submission.Manifest), "application/json", cancellationToken).ConfigureAwait(false))
            throw new InvalidOperationException($"Job {jobId} already exists; submit it under a new id.");
        return manifestBlob;
    }

    /// <summary>The job's status record, or null while ingest has not written one.</summary>
    public Task<StatusRecord?> StatusAsync(string jobId, CancellationToken cancellationToken) => _statuses.ReadAsync(jobId, cancellationToken);

    /// <summary>
    /// Polls the status record until it is terminal and its completion event has gone out; null when
    /// <paramref name="timeout"/> passes first.
    /// </summary>
    public async Task<StatusRecord?> WaitAsync(string jobId, TimeSpan timeout, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var status = await _statuses.ReadAsync(jobId, cancellationToken).ConfigureAwait(false);
            if (status is { CompletionPublishedAt: not null } && status.Status.IsTerminal()) return status;
            if (DateTimeOffset.UtcNow >= deadline) return null;
            await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A result blob's full URI (results container).</summary>
    public Uri ResultUri(string blobName) => _results.UriOf(blobName);

    private Task<bool> CreateAsync(string blobName, BinaryData content, string? contentType, CancellationToken cancellationToken) =>
        BlobOperations.TryCreateAsync(_jobs.GetBlobClient(blobName), content, contentType, cancellationToken);
}
