using System.Diagnostics;
using Glimpse.Core.Contracts;
using Glimpse.Core.Results;
using Glimpse.Pipeline.Storage;
using Glimpse.Pipeline.Telemetry;
using Glimpse.Pipeline.Transport;
using Microsoft.Extensions.Logging;

namespace Glimpse.Pipeline.Handlers;

/// <summary>
/// Ends jobs, for ingest and worker alike: records the terminal result, moves the status to its terminal value (never
/// from one terminal value to another) and publishes the completion event once. The status record says whether the
/// event went out (<see cref="StatusRecord.CompletionPublishedAt"/>), so a retry after a crash publishes what is
/// missing and nothing twice; the event is rebuilt from the stored records, so every retry sends the same event.
/// </summary>
public sealed partial class JobFinalizer(ResultStore results, StatusStore statuses, IEventPublisher events, ILogger<JobFinalizer> logger)
{
    /// <summary>
    /// Writes failure.json (unless an earlier attempt did), marks the job failed and publishes its completion. A job
    /// whose outcome is already recorded keeps it: no failure.json is written beside its results, only a completion
    /// still owed is published; the returned record then says the recorded outcome.
    /// </summary>
    public async Task<StatusRecord> FailAsync(string jobId, FailureStage stage, IReadOnlyList<string> problems, JobEcho echo, int attempt,
        CancellationToken cancellationToken)
    {
        // The worker gives up after its last delivery failed transiently, which may have been the completion publish
        // of a job that had succeeded. (One delivery holds the message at a time, so nothing records an outcome
        // between this read and the writes below.)
        var stored = await statuses.ReadStoredAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (stored.Record is { } recorded && recorded.Status.IsTerminal())
        {
            LogOutcomeKept(logger, jobId, recorded.Status);
            return await PublishOnceAsync(stored, null, cancellationToken).ConfigureAwait(false);
        }
        var now = DateTimeOffset.UtcNow;
        string reason = string.Join("; ", problems);
        var failure = new FailureDocument
        {
            JobId = jobId,
            Stage = stage,
            Reason = reason,
            Problems = problems,
            FailedAt = now,
            Model = echo.Model,
            Method = echo.Method,
            CorrelationId = echo.CorrelationId,
            Tags = echo.Tags,
        };
        string failureBlob = BlobLayout.FailureBlob(jobId);
        if (!await results.TryCreateAsync(failureBlob, PipelineJson.Serialize(failure), "application/json", cancellationToken).ConfigureAwait(false))
            LogFailureExisted(logger, jobId);

        var status = await statuses.UpdateAsync(jobId, stored, current => current?.Status.IsTerminal() == true
            ? null
            : Terminal(jobId, current, echo, now, attempt) with { Status = JobStatus.Failed, Reason = reason, Failure = failureBlob },
            cancellationToken).ConfigureAwait(false);
        LogFailed(logger, jobId, stage, reason);
        return await PublishOnceAsync(status, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks the job succeeded (its result blobs are written) and publishes its completion.</summary>
    /// <param name="result">The explanation, for the event's answer and timings; null to read it back from result.json.</param>
    /// <param name="known">The status as this process last read or wrote it, to update without reading it again (the
    /// update is conditional on its ETag); null to read it.</param>
    public async Task<StatusRecord> SucceedAsync(string jobId, JobEcho echo, int attempt, ExplanationResult? result, CancellationToken cancellationToken,
        StoredStatus? known = null)
    {
        var now = DateTimeOffset.UtcNow;
        var status = await statuses.UpdateAsync(jobId, known, current => current?.Status.IsTerminal() == true
            ? null
            : Terminal(jobId, current, echo, now, attempt) with { Status = JobStatus.Succeeded, Results = BlobLayout.ResultBlobs(jobId) },
            cancellationToken).ConfigureAwait(false);
        return await PublishOnceAsync(status, result, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Publishes the completion of a terminal job unless its record says it went out, then records that it did.
    /// A crash between the two sends it again on the next try: the event is delivered at least once, and Service Bus
    /// drops the repeat by its message id.
    /// </summary>
    public Task<StatusRecord> PublishOnceAsync(StatusRecord status, ExplanationResult? result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(status);
        return PublishOnceAsync(new StoredStatus(status, null), result, cancellationToken);
    }

    /// <param name="stored">The terminal record; with its ETag the "published" mark is written without reading it again.</param>
    private async Task<StatusRecord> PublishOnceAsync(StoredStatus stored, ExplanationResult? result, CancellationToken cancellationToken)
    {
        var status = stored.Record!;
        if (!status.Status.IsTerminal() || status.CompletionPublishedAt is not null) return status;
        if (status.Status == JobStatus.Succeeded) result ??= await ReadResultAsync(status.JobId, cancellationToken).ConfigureAwait(false);

        var completion = new CompletionEvent
        {
            JobId = status.JobId,
            Status = status.Status,
            Model = status.Model,
            Method = status.Method,
            CorrelationId = status.CorrelationId,
            Tags = status.Tags,
            Results = status.Results is { } names
                ? new ResultFiles(Uri(names.ResultJson), Uri(names.OverlayPng), Uri(names.HeatmapPng), Uri(names.ReportHtml))
                : null,
            FailureUri = status.Failure is { } failure ? Uri(failure) : null,
            StatusUri = Uri(BlobLayout.StatusBlob(status.JobId)),
            Reason = status.Reason,
            Answer = result?.Answer,
            Timings = result?.Timings is { } t ? new CompletionTimings(t.GenerateSeconds, t.ForwardSeconds + t.GradientSeconds, t.TotalSeconds) : null,
            CompletedAt = status.UpdatedAt,
        };
        using (var activity = PipelineTelemetry.Source.StartActivity("publish glimpse-completed", ActivityKind.Producer))
        {
            activity?.SetTag(PipelineTelemetry.Tags.JobId, status.JobId);
            activity?.SetTag(PipelineTelemetry.Tags.Outcome, completion.Status.ToString());
            await events.PublishAsync(completion, cancellationToken).ConfigureAwait(false);
        }
        LogPublished(logger, status.JobId, status.Status);
        var now = DateTimeOffset.UtcNow;
        return (await statuses.UpdateAsync(status.JobId, stored.ETag is null ? null : stored, current => current is { CompletionPublishedAt: null }
            ? current with { CompletionPublishedAt = now }
            : null, cancellationToken).ConfigureAwait(false)).Record!;
    }

    /// <summary>The terminal record's common fields: the job's echo (kept from ingest's record when there is one) and the time.</summary>
    private static StatusRecord Terminal(string jobId, StatusRecord? current, JobEcho echo, DateTimeOffset now, int attempt) =>
        (current ?? new StatusRecord { JobId = jobId, Status = JobStatus.Accepted, UpdatedAt = now }) with
        {
            UpdatedAt = now,
            Attempt = Math.Max(attempt, current?.Attempt ?? 0),
            Model = current?.Model ?? echo.Model,
            Method = current?.Method ?? echo.Method,
            CorrelationId = current?.CorrelationId ?? echo.CorrelationId,
            Tags = current is { Tags.Count: > 0 } ? current.Tags : echo.Tags,
        };

    private async Task<ExplanationResult?> ReadResultAsync(string jobId, CancellationToken cancellationToken)
    {
        var json = await results.ReadAsync(BlobLayout.ResultBlobs(jobId).ResultJson, cancellationToken).ConfigureAwait(false);
        return json is null ? null : ResultJson.Deserialize(json.ToString());
    }

    private string Uri(string blobName) => results.UriOf(blobName).AbsoluteUri;

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: failure.json already existed (an earlier attempt wrote it); kept")]
    private static partial void LogFailureExisted(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} is already {Status}; kept instead of failing it")]
    private static partial void LogOutcomeKept(ILogger logger, string jobId, JobStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} failed at {Stage}: {Reason}")]
    private static partial void LogFailed(ILogger logger, string jobId, FailureStage stage, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: completion event published ({Status})")]
    private static partial void LogPublished(ILogger logger, string jobId, JobStatus status);
}
