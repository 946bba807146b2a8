using System.Diagnostics;
using Glimpse.Core.Contracts;
using Glimpse.Core.Validation;
using Glimpse.Pipeline.Storage;
using Glimpse.Pipeline.Telemetry;
using Glimpse.Pipeline.Transport;
using Microsoft.Extensions.Logging;

namespace Glimpse.Pipeline.Handlers;

/// <summary>
/// Runs when a manifest (<c>jobs/{jobId}/job.json</c>) lands in the jobs container, whatever delivers that event (a
/// blob trigger, Event Grid, a local poller). Validates the manifest and the image's header; a valid job gets status
/// accepted and one work message, an invalid one a terminal failure (failure.json, status failed, completion event).
/// <para>
/// Idempotent: the same manifest event twice sends one message. The status record is the memory: accepted with
/// <see cref="StatusRecord.QueuedAt"/> set, running or terminal means done; accepted without it means an earlier
/// run stopped between recording and sending, so the message is sent now.
/// </para>
/// </summary>
public sealed partial class IngestHandler(
    JobStore jobs, StatusStore statuses, IWorkQueue queue, JobFinalizer finalizer, ManifestValidator manifests, ImageHeaderValidator images,
    ILogger<IngestHandler> logger)
{
    public async Task<IngestOutcome> HandleAsync(string manifestBlobName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifestBlobName);
        using var activity = PipelineTelemetry.Source.StartActivity("ingest glimpse-jobs", ActivityKind.Consumer);
        string? jobId = BlobLayout.JobIdOfManifest(manifestBlobName);
        if (jobId is null)
        {
            LogIgnored(logger, manifestBlobName);
            return IngestOutcome.Ignored($"'{manifestBlobName}' is not a manifest name (jobs/{{jobId}}/job.json, job id {BlobLayout.JobIdPattern})");
        }
        activity?.SetTag(PipelineTelemetry.Tags.JobId, jobId);

        var existing = await statuses.ReadAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (existing is not null && IsQueuedOrLater(existing))
        {
            // A terminal job whose completion event never went out (a crash after the status write) sends it now.
            await finalizer.PublishOnceAsync(existing, null, cancellationToken).ConfigureAwait(false);
            LogDuplicate(logger, jobId, existing.Status);
            return new IngestOutcome(IngestDecision.Duplicate, jobId, []);
        }

        var manifestBytes = await jobs.ReadPrefixAsync(manifestBlobName, manifests.Limits.MaxManifestBytes, cancellationToken).ConfigureAwait(false);
        if (manifestBytes is null)
        {
            LogVanished(logger, jobId);
            return IngestOutcome.Ignored($"the manifest of job {jobId} no longer exists");
        }
        var validation = manifestBytes.IsWhole
            ? manifests.Validate(manifestBytes.Bytes)
            : ManifestValidation.Rejected($"the manifest is {manifestBytes.TotalBytes} bytes; the limit is {manifests.Limits.MaxManifestBytes}");
        var problems = validation.Problems.ToList();
        string? imageBlob = null;
        if (validation.Manifest is { } manifest)
        {
            imageBlob = BlobLayout.ImageBlob(jobId, manifest.Image);
            problems.AddRange(await CheckImageAsync(imageBlob, manifest.Image, cancellationToken).ConfigureAwait(false));
        }
        if (problems.Count > 0)
        {
            activity?.SetTag(PipelineTelemetry.Tags.Outcome, nameof(IngestDecision.Rejected));
            await finalizer.FailAsync(jobId, FailureStage.Ingest, problems, validation.Echo, attempt: 0, cancellationToken).ConfigureAwait(false);
            return new IngestOutcome(IngestDecision.Rejected, jobId, problems);
        }

        var accepted = validation.Manifest!;
        var echo = JobEcho.Of(accepted);
        var now = DateTimeOffset.UtcNow;
        var status = await statuses.UpdateAsync(jobId, current => current is null
            ? new StatusRecord
            {
                JobId = jobId, Status = JobStatus.Accepted, UpdatedAt = now,
                Model = echo.Model, Method = echo.Method, CorrelationId = echo.CorrelationId, Tags = echo.Tags,
            }
            : null, cancellationToken).ConfigureAwait(false);
        if (IsQueuedOrLater(status!))
        {
            LogDuplicate(logger, jobId, status!.Status);
            return new IngestOutcome(IngestDecision.Duplicate, jobId, []);
        }

        var work = new WorkMessage
        {
            JobId = jobId, ManifestBlob = manifestBlobName, ImageBlob = imageBlob!,
            Model = accepted.Model, Method = accepted.Method, CorrelationId = accepted.CorrelationId,
        };
        using (var send = PipelineTelemetry.Source.StartActivity("send glimpse-jobs", ActivityKind.Producer))
        {
            send?.SetTag(PipelineTelemetry.Tags.JobId, jobId);
            send?.SetTag(PipelineTelemetry.Tags.MessageId, jobId);
            await queue.SendAsync(work, cancellationToken).ConfigureAwait(false);
        }
        var queuedAt = DateTimeOffset.UtcNow;
        // Only an accepted record is marked: if a worker already moved the job on, its record stands.
        await statuses.UpdateAsync(jobId, current => current is { Status: JobStatus.Accepted, QueuedAt: null }
            ? current with { QueuedAt = queuedAt, UpdatedAt = queuedAt }
            : null, cancellationToken).ConfigureAwait(false);
        activity?.SetTag(PipelineTelemetry.Tags.Outcome, nameof(IngestDecision.Accepted));
        LogAccepted(logger, jobId, accepted.Model, accepted.Method, accepted.CorrelationId);
        return new IngestOutcome(IngestDecision.Accepted, jobId, []);
    }

    private static bool IsQueuedOrLater(StatusRecord status) => status.Status != JobStatus.Accepted || status.QueuedAt is not null;

    /// <summary>The image's problems from its header alone: a ranged read of its first bytes, never the whole image.</summary>
    private async Task<IReadOnlyList<string>> CheckImageAsync(string imageBlob, string imageName, CancellationToken cancellationToken)
    {
        var prefix = await jobs.ReadPrefixAsync(imageBlob, images.Limits.HeaderBytes, cancellationToken).ConfigureAwait(false);
        return prefix is null
            ? [$"image '{imageName}' does not exist in the job folder; upload the image before the manifest"]
            : images.Validate(prefix.Bytes, prefix.TotalBytes).Problems;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored blob {BlobName}: not a job manifest name")]
    private static partial void LogIgnored(ILogger logger, string blobName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the manifest vanished before it could be read")]
    private static partial void LogVanished(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: manifest seen again while {Status}; nothing sent")]
    private static partial void LogDuplicate(ILogger logger, string jobId, JobStatus status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} accepted and queued (model {Model}, method {Method}, correlation id {CorrelationId})")]
    private static partial void LogAccepted(ILogger logger, string jobId, string model, string method, string? correlationId);
}
