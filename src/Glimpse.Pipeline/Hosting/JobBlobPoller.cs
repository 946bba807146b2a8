using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Handlers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Glimpse.Pipeline.Hosting;

public sealed class JobBlobPollerOptions
{
    /// <summary>The pause between two listings of the jobs container.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Blob-trigger semantics without a Functions host, for <c>glimpse local</c>: lists the jobs container and hands each
/// manifest (<c>jobs/*/job.json</c>) to <see cref="IngestHandler"/> and each inbox image to <see cref="InboxHandler"/>,
/// once per version (name and ETag) it has not handled yet. A pass that fails for a blob leaves it unmarked, so the next
/// pass tries it again; the handlers are idempotent, so a blob seen again after a restart changes nothing.
/// </summary>
public sealed partial class JobBlobPoller(BlobServiceClient service, IngestHandler ingest, InboxHandler inbox, JobBlobPollerOptions options,
    ILogger<JobBlobPoller> logger) : BackgroundService
{
    private readonly BlobContainerClient _jobs = service.GetBlobContainerClient(BlobLayout.JobsContainer);
    private readonly Dictionary<string, Azure.ETag> _handled = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PollOnceAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(options.Interval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One listing: every manifest and inbox blob not handled in its current version is handled now.</summary>
    public async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        await foreach (BlobItem blob in _jobs.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, cancellationToken).ConfigureAwait(false))
        {
            bool isManifest = BlobLayout.JobIdOfManifest(blob.Name) is not null;
            bool isInbox = blob.Name.StartsWith(InboxHandler.Prefix, StringComparison.Ordinal);
            if (!isManifest && !isInbox) continue;
            if (_handled.TryGetValue(blob.Name, out var etag) && etag == blob.Properties.ETag) continue;
            try
            {
                if (isManifest) await ingest.HandleAsync(blob.Name, cancellationToken).ConfigureAwait(false);
                else await inbox.HandleAsync(blob.Name, cancellationToken).ConfigureAwait(false);
                _handled[blob.Name] = blob.Properties.ETag!.Value;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogFailed(logger, blob.Name, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handling {BlobName} failed; it is tried again on the next pass")]
    private static partial void LogFailed(ILogger logger, string blobName, Exception exception);
}
