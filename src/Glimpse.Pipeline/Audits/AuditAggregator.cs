using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Glimpse.Core.Contracts;
using Glimpse.Core.Evaluation;
using Glimpse.Core.Images;
using Glimpse.Core.Results;
using Glimpse.Pipeline.Storage;
using Glimpse.Pipeline.Telemetry;
using Microsoft.Extensions.Logging;

namespace Glimpse.Pipeline.Audits;

/// <summary>What aggregating a run did.</summary>
public enum AuditAggregateDecision
{
    /// <summary>summary.json and report.html were written now (or the report was completed after a crash).</summary>
    Summarized,
    /// <summary>Some jobs are not terminal yet; nothing written.</summary>
    Waiting,
}

/// <summary>One run's aggregation: what happened and, while waiting, how many jobs are not finished.</summary>
public sealed record AuditAggregation(string RunId, AuditAggregateDecision Decision, int PendingJobs);

/// <summary>
/// Finishes audit runs: for every run without report.html, checks its jobs' status records; when every job is terminal
/// (or the run is older than <see cref="AuditOptions.RunTimeout"/>, which fails what is left), reads each succeeded
/// job's result.json (2.x with its image-token layout, or 1.x with the geometry.json 1.0 older workers wrote beside it)
/// and the case's reference, computes the alignment metrics on
/// <c>glimpse eval</c>'s comparison grid (<see cref="ComparisonGrid"/>, <see cref="AlignmentScores"/>), and writes
/// summary.json, then report.html, both create-once. report.html is rendered from summary.json alone, so a crash
/// between the two is finished on the next tick without recomputing.
/// </summary>
public sealed partial class AuditAggregator(
    AuditStore store, StatusStore statuses, ResultStore results, AuditScheduler scheduler, AuditOptions options, ILogger<AuditAggregator> logger)
{
    /// <summary>Aggregates every unfinished run, oldest first (so a run's predecessor is summarised before its drift is taken).</summary>
    public async Task<IReadOnlyList<AuditAggregation>> AggregateAsync(CancellationToken cancellationToken)
    {
        var aggregations = new List<AuditAggregation>();
        var runs = await store.ListRunsAsync(cancellationToken).ConfigureAwait(false);
        foreach (string runId in runs)
        {
            try
            {
                if (await AggregateRunAsync(runId, runs, cancellationToken).ConfigureAwait(false) is { } aggregation) aggregations.Add(aggregation);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One broken run (an unreadable run.json) must not keep the others from their reports; it is tried again next tick.
                LogRunError(logger, runId, e);
            }
        }
        return aggregations;
    }

    /// <summary>Aggregates one run; null when it already has its report, or has no run.json.</summary>
    /// <param name="allRuns">Every run id, to find the suite's previous run.</param>
    public async Task<AuditAggregation?> AggregateRunAsync(string runId, IReadOnlyList<string> allRuns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(allRuns);
        if (await store.ExistsAsync(AuditLayout.ReportBlob(runId), cancellationToken).ConfigureAwait(false)) return null;
        using var activity = PipelineTelemetry.Source.StartActivity("audit aggregate", ActivityKind.Internal);
        activity?.SetTag(PipelineTelemetry.Tags.AuditRun, runId);

        var summary = await ReadJsonAsync<AuditSummary>(AuditLayout.SummaryBlob(runId), cancellationToken).ConfigureAwait(false);
        if (summary is null)
        {
            var run = await ReadJsonAsync<AuditRunRecord>(AuditLayout.RunBlob(runId), cancellationToken).ConfigureAwait(false);
            if (run is null) return null;
            activity?.SetTag(PipelineTelemetry.Tags.AuditSuite, run.Suite);
            var now = DateTimeOffset.UtcNow;
            if (run.Problems.Count > 0)
            {
                summary = AuditSummaryBuilder.Invalid(run, now);
            }
            else
            {
                var (outcomes, pending, unsubmitted) = await CollectAsync(run, now, cancellationToken).ConfigureAwait(false);
                if (outcomes is null)
                {
                    // A job without a status may never have been submitted (a crash after run.json): submit what is missing.
                    if (unsubmitted) await scheduler.SubmitAsync(run, cancellationToken).ConfigureAwait(false);
                    LogWaiting(logger, runId, pending, run.Jobs.Count);
                    activity?.SetTag(PipelineTelemetry.Tags.Outcome, nameof(AuditAggregateDecision.Waiting));
                    return new AuditAggregation(runId, AuditAggregateDecision.Waiting, pending);
                }
                var previous = await PreviousAsync(run, allRuns, cancellationToken).ConfigureAwait(false);
                summary = AuditSummaryBuilder.Completed(run, outcomes, previous, options.Seed, now);
            }
            if (!await store.TryCreateAsync(AuditLayout.SummaryBlob(runId), PipelineJson.Serialize(summary), "application/json", cancellationToken).ConfigureAwait(false))
                summary = await ReadJsonAsync<AuditSummary>(AuditLayout.SummaryBlob(runId), cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"run {runId}: summary.json was created by another writer but cannot be read");
        }
        string html = AuditReport.Render(summary);
        await store.TryCreateAsync(AuditLayout.ReportBlob(runId), BinaryData.FromBytes(Encoding.UTF8.GetBytes(html)), "text/html; charset=utf-8",
            cancellationToken).ConfigureAwait(false);
        activity?.SetTag(PipelineTelemetry.Tags.Outcome, nameof(AuditAggregateDecision.Summarized));
        LogSummarized(logger, runId, summary.Suite, summary.Outcome, summary.Counts.Succeeded, summary.Counts.Failed);
        return new AuditAggregation(runId, AuditAggregateDecision.Summarized, 0);
    }

    /// <summary>
    /// Every job's outcome when all are terminal (or timed out); otherwise null outcomes, how many are pending, and
    /// whether some have no status record at all.
    /// </summary>
    private async Task<(List<AuditCaseOutcome>? Outcomes, int Pending, bool Unsubmitted)> CollectAsync(AuditRunRecord run, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        bool timedOut = now - run.CreatedAt > options.RunTimeout;
        var records = new Dictionary<string, StatusRecord?>(StringComparer.Ordinal);
        int pending = 0;
        bool unsubmitted = false;
        foreach (var job in run.Jobs)
        {
            if (job.JobId is not { } jobId) continue;
            var status = await statuses.ReadAsync(jobId, cancellationToken).ConfigureAwait(false);
            records[jobId] = status;
            if (status?.Status.IsTerminal() == true) continue;
            pending++;
            unsubmitted |= status is null;
        }
        if (pending > 0 && !timedOut) return (null, pending, unsubmitted);

        var outcomes = new List<AuditCaseOutcome>();
        foreach (var job in run.Jobs)
            outcomes.Add(await OutcomeAsync(run, job, job.JobId is { } id ? records[id] : null, cancellationToken).ConfigureAwait(false));
        return (outcomes, 0, false);
    }

    private async Task<AuditCaseOutcome> OutcomeAsync(AuditRunRecord run, AuditRunJob job, StatusRecord? status, CancellationToken cancellationToken)
    {
        var row = new AuditCaseResult
        {
            CaseId = job.CaseId, Method = job.Method, JobId = job.JobId, Status = JobStatus.Failed, Question = job.Question,
            ExpectedAnswer = job.ExpectedAnswer, ReferenceKind = job.ReferenceKind,
        };
        if (job.JobId is not { } jobId) return new AuditCaseOutcome(row with { Reason = string.Join("; ", job.Problems) }, null);
        switch (status?.Status)
        {
            case JobStatus.Failed:
                return new AuditCaseOutcome(row with { Reason = status.Reason ?? "the job failed without a reason" }, null);
            case not JobStatus.Succeeded:
                return new AuditCaseOutcome(row with
                {
                    Reason = $"the job was still {(status is null ? "not ingested" : status.Status.ToString().ToLowerInvariant())} when the run timed out after {options.RunTimeout}",
                }, null);
        }

        var json = await results.ReadAsync(BlobLayout.ResultBlobs(jobId).ResultJson, cancellationToken).ConfigureAwait(false);
        StoredResult result;
        try
        {
            result = json is null ? throw new JsonException("result.json does not exist") : StoredResult.Read(json.ToString());
        }
        catch (JsonException e)
        {
            return new AuditCaseOutcome(row with { Reason = $"the job succeeded but its result cannot be read: {e.Message}" }, null);
        }
        row = row with
        {
            Status = JobStatus.Succeeded,
            Answer = result.Answer,
            Correct = job.ExpectedAnswer is null ? null : AnswerMatching.Matches(result.Answer, job.ExpectedAnswer),
        };
        if (job.Reference is null) return new AuditCaseOutcome(row, null);

        var (alignment, note) = await AlignAsync(run, job, jobId, result, cancellationToken).ConfigureAwait(false);
        return alignment is null
            ? new AuditCaseOutcome(row with { Notes = [note!] }, null)
            : new AuditCaseOutcome(row with { Metrics = AuditSummaryBuilder.MetricValues(alignment) }, alignment);
    }

    /// <summary>
    /// A job's result.json, of either version: 2.x carries its map with the layout; 1.x (older workers) only the
    /// grid's values, which need the geometry.json 1.0 written beside it.
    /// </summary>
    private sealed record StoredResult(string Answer, ImageTokenMap? Map, ResultVersion1? Version1)
    {
        public static StoredResult Read(string json)
        {
            if (ResultJson.SchemaVersion(json).StartsWith("1.", StringComparison.Ordinal))
            {
                var version1 = ResultVersion1.Deserialize(json);
                return new StoredResult(version1.Answer, null, version1);
            }
            var result = ResultJson.Deserialize(json);
            return new StoredResult(result.Answer, result.ImageMap, null);
        }
    }

    /// <summary>The job's map against the case's reference on the comparison grid, or why that cannot be computed.</summary>
    private async Task<(AlignmentScores? Scores, string? Note)> AlignAsync(AuditRunRecord run, AuditRunJob job, string jobId, StoredResult result,
        CancellationToken cancellationToken)
    {
        BinaryData? geometryJson = null;
        if (result.Version1 is not null)
        {
            geometryJson = await results.ReadAsync(BlobLayout.GeometryBlob(jobId), cancellationToken).ConfigureAwait(false);
            if (geometryJson is null)
                return (null, "no alignment metrics: the job's result.json 1.x has no geometry.json beside it (a worker older than audits ran it), so its map cannot be laid onto the image");
        }
        BinaryData? referenceBytes;
        try
        {
            referenceBytes = await store.ReadAsync(AuditLayout.SuiteFile(run.Suite, job.Reference!), options.MaxFileBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            return (null, $"no alignment metrics: {e.Message}");
        }
        if (referenceBytes is null) return (null, $"no alignment metrics: the reference '{job.Reference}' does not exist in the suite folder");
        try
        {
            var tokenMap = result.Map ?? result.Version1!.ToImageTokenMap(PipelineJson.Deserialize<MapGeometry>(geometryJson!));
            var reference = ReferenceImage.Decode(referenceBytes.ToArray(), job.ReferenceKind!.Value, $"'{job.Reference}'");
            var grid = ComparisonGrid.Default;
            double[] map = grid.FromTokenMap(tokenMap);
            return (AlignmentScores.Compute(map, grid.FromReference(reference), reference.Kind), null);
        }
        catch (Exception e) when (e is ImageDecodeException or JsonException or ArgumentException)
        {
            return (null, $"no alignment metrics: {e.Message}");
        }
    }

    /// <summary>The suite's latest completed run before this one (run ids of one suite share a suffix and sort by time).</summary>
    private async Task<AuditSummary?> PreviousAsync(AuditRunRecord run, IReadOnlyList<string> allRuns, CancellationToken cancellationToken)
    {
        string suffix = "-" + AuditLayout.SuiteSuffix(run.Suite);
        foreach (string candidate in allRuns.Where(r => r.EndsWith(suffix, StringComparison.Ordinal) && string.CompareOrdinal(r, run.RunId) < 0)
                     .OrderDescending(StringComparer.Ordinal))
        {
            AuditSummary? summary;
            try
            {
                summary = await ReadJsonAsync<AuditSummary>(AuditLayout.SummaryBlob(candidate), cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                // A damaged earlier summary must not keep this run from its report: compare with the one before it.
                LogUnreadablePrevious(logger, run.RunId, candidate, e);
                continue;
            }
            if (summary is { Outcome: AuditRunOutcome.Completed } && summary.Suite == run.Suite) return summary;
        }
        return null;
    }

    private async Task<T?> ReadJsonAsync<T>(string blobName, CancellationToken cancellationToken) where T : class
    {
        var json = await store.ReadAsync(blobName, 64L * 1024 * 1024, cancellationToken).ConfigureAwait(false);
        return json is null ? null : PipelineJson.Deserialize<T>(json);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit run {RunId}: waiting for {Pending} of {Jobs} jobs")]
    private static partial void LogWaiting(ILogger logger, string runId, int pending, int jobs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit run {RunId} of suite {Suite} summarised ({Outcome}): {Succeeded} jobs succeeded, {Failed} failed")]
    private static partial void LogSummarized(ILogger logger, string runId, string suite, AuditRunOutcome outcome, int succeeded, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit run {RunId}: the summary of earlier run {PreviousRunId} cannot be read; drift is taken against the run before it")]
    private static partial void LogUnreadablePrevious(ILogger logger, string runId, string previousRunId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit run {RunId}: aggregating failed; the next tick tries again")]
    private static partial void LogRunError(ILogger logger, string runId, Exception exception);
}
