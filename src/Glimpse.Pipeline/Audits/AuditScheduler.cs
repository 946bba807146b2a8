using System.Diagnostics;
using Glimpse.Core.Audits;
using Glimpse.Core.Contracts;
using Glimpse.Core.Methods;
using Glimpse.Pipeline.Telemetry;
using Microsoft.Extensions.Logging;

namespace Glimpse.Pipeline.Audits;

/// <summary>What starting a suite's run did.</summary>
public enum AuditStartDecision
{
    /// <summary>run.json was created now and the jobs submitted.</summary>
    Started,
    /// <summary>The slot's run already existed (the timer fired twice); jobs not yet submitted were submitted.</summary>
    AlreadyStarted,
    /// <summary>The suite cannot run; the run records why and gets a summary saying so.</summary>
    InvalidSuite,
}

/// <summary>One suite's run for a slot: its id, what happened, jobs submitted now, and the suite's problems.</summary>
public sealed record AuditRunStart(string Suite, string RunId, AuditStartDecision Decision, int JobsSubmitted, IReadOnlyList<string> Problems);

/// <summary>
/// Starts audit runs: for every suite in the audits container, one run per schedule slot. Each case × method becomes an
/// ordinary job, submitted as a client submits one (the image copied into the job folder first, then the manifest,
/// both create-once), so ingest validates it like any other and the worker runs it; the job's tags
/// (<c>audit_run</c>, <c>audit_suite</c>, <c>audit_case</c>, <c>audit_method</c>) say where it came from.
/// <para>
/// Idempotent: the run id comes from the slot, run.json is created once, and a job's blobs are created once, so a tick
/// repeated for the same slot (or after a crash halfway) submits only what is missing. One suite's failure never
/// stops the others.
/// </para>
/// </summary>
public sealed partial class AuditScheduler(AuditStore store, AuditOptions options, ILogger<AuditScheduler> logger)
{
    public const string RunTag = "audit_run";
    public const string SuiteTag = "audit_suite";
    public const string CaseTag = "audit_case";
    public const string MethodTag = "audit_method";

    /// <summary>Starts (or resumes) the run of every suite for the slot <paramref name="scheduledTime"/> falls in (<see cref="AuditOptions.SlotLength"/>).</summary>
    public async Task<IReadOnlyList<AuditRunStart>> StartRunsAsync(DateTimeOffset scheduledTime, CancellationToken cancellationToken)
    {
        var slot = AuditLayout.SlotOf(scheduledTime, options.SlotLength);
        var starts = new List<AuditRunStart>();
        foreach (string suite in await store.ListSuitesAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                if (await StartRunAsync(suite, slot, cancellationToken).ConfigureAwait(false) is { } start) starts.Add(start);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Storage trouble with one suite is retried on the next tick (everything is create-once); the others go on.
                LogSuiteError(logger, suite, e);
            }
        }
        return starts;
    }

    /// <summary>
    /// Starts (or resumes) one suite's run named by <paramref name="scheduledTime"/> exactly (to the second); null when
    /// the suite's folder has no suite.json.
    /// </summary>
    public async Task<AuditRunStart?> StartRunAsync(string suite, DateTimeOffset scheduledTime, CancellationToken cancellationToken)
    {
        string runId = AuditLayout.RunId(suite, scheduledTime);
        using var activity = PipelineTelemetry.Source.StartActivity("audit start", ActivityKind.Internal);
        activity?.SetTag(PipelineTelemetry.Tags.AuditSuite, suite);
        activity?.SetTag(PipelineTelemetry.Tags.AuditRun, runId);

        var existing = await ReadRunAsync(runId, cancellationToken).ConfigureAwait(false);
        bool created = false;
        if (existing is null)
        {
            var record = await NewRunAsync(suite, runId, scheduledTime, cancellationToken).ConfigureAwait(false);
            if (record is null) return null;
            created = await store.TryCreateAsync(AuditLayout.RunBlob(runId), PipelineJson.Serialize(record), "application/json", cancellationToken).ConfigureAwait(false);
            // Another tick for the same slot may have created it in between: its record is the run.
            existing = created ? record : await ReadRunAsync(runId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"run {runId}: run.json was created by another writer but cannot be read");
        }
        if (existing.Problems.Count > 0)
        {
            if (created) LogInvalidSuite(logger, suite, runId, string.Join("; ", existing.Problems));
            return new AuditRunStart(suite, runId, AuditStartDecision.InvalidSuite, 0, existing.Problems);
        }
        int submitted = await SubmitAsync(existing, cancellationToken).ConfigureAwait(false);
        var decision = created ? AuditStartDecision.Started : AuditStartDecision.AlreadyStarted;
        activity?.SetTag(PipelineTelemetry.Tags.Outcome, decision.ToString());
        LogStarted(logger, suite, runId, decision, existing.Jobs.Count(j => j.JobId is not null), submitted);
        return new AuditRunStart(suite, runId, decision, submitted, []);
    }

    /// <summary>
    /// Submits every job of the run whose manifest is not in the jobs container yet; returns how many it submitted. The
    /// image goes first and the manifest last, as for any client: the manifest's arrival commits the job.
    /// </summary>
    public async Task<int> SubmitAsync(AuditRunRecord run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        int submitted = 0;
        foreach (var job in run.Jobs)
        {
            if (job.JobId is not { } jobId) continue;
            string manifestBlob = BlobLayout.ManifestBlob(jobId);
            if (await store.JobBlobExistsAsync(manifestBlob, cancellationToken).ConfigureAwait(false)) continue;

            string imageName = ImageNameInJob(job.Image);
            // An image removed (or grown past the limit) since the run started still gets its job: ingest rejects it, so
            // the case fails with the reason in its failure.json like any rejected job instead of vanishing from the run.
            BinaryData? image;
            try
            {
                image = await store.ReadAsync(AuditLayout.SuiteFile(run.Suite, job.Image), options.MaxFileBytes, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException)
            {
                image = null;
            }
            if (image is not null)
                await store.TryCreateJobBlobAsync(BlobLayout.ImageBlob(jobId, imageName), image, ContentTypeOf(imageName), cancellationToken).ConfigureAwait(false);
            // A variant (glimpse[depth_prior=off]) is its method with the suite's options it takes and its own on top.
            var variant = MethodVariant.Parse(job.Method);
            var manifest = new JobManifest
            {
                Prompt = job.Question,
                Image = imageName,
                Model = run.Model!,
                Method = variant.Method.Name,
                Options = variant.ManifestOptions(run.Options),
                MaxNewTokens = run.MaxNewTokens ?? options.DefaultMaxNewTokens,
                CorrelationId = $"audit:{run.RunId}:{job.CaseId}:{job.Method}",
                Tags = new SortedDictionary<string, string>(StringComparer.Ordinal)
                {
                    [RunTag] = run.RunId, [SuiteTag] = run.Suite, [CaseTag] = job.CaseId, [MethodTag] = job.Method,
                },
            };
            if (await store.TryCreateJobBlobAsync(manifestBlob, PipelineJson.Serialize(manifest), "application/json", cancellationToken).ConfigureAwait(false))
                submitted++;
        }
        return submitted;
    }

    /// <summary>The run's record from a suite as it is now, or null when the suite folder has no suite.json.</summary>
    private async Task<AuditRunRecord?> NewRunAsync(string suite, string runId, DateTimeOffset scheduledTime, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var record = new AuditRunRecord { RunId = runId, Suite = suite, ScheduledAt = scheduledTime.ToUniversalTime(), CreatedAt = now };
        BinaryData? json;
        try
        {
            json = await store.ReadAsync(AuditLayout.SuiteBlob(suite), AuditSuiteReader.MaxSuiteBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            return record with { Problems = [$"suite '{suite}': {e.Message}"] };
        }
        if (json is null)
        {
            LogNoSuiteFile(logger, suite);
            return null;
        }
        var reading = AuditSuiteReader.Read(suite, json.ToMemory());
        if (reading.Suite is not { } parsed) return record with { Problems = reading.Problems };
        string? model = parsed.Model ?? options.DefaultModel;
        if (model is null)
            return record with { Problems = [$"suite '{suite}': it names no model and no default model is configured (Glimpse:Audits:DefaultModel)"] };

        var jobs = new List<AuditRunJob>();
        foreach (var auditCase in parsed.Cases)
        {
            var problems = auditCase.Problems.ToList();
            if (problems.Count == 0)
                problems.AddRange(await ImageProblemsAsync(suite, auditCase, cancellationToken).ConfigureAwait(false));
            foreach (string method in parsed.Methods)
                jobs.Add(new AuditRunJob
                {
                    CaseId = auditCase.Id, Method = method, JobId = problems.Count == 0 ? AuditLayout.JobId(runId, auditCase.Id, method) : null,
                    Image = auditCase.Image, Question = auditCase.Question, ExpectedAnswer = auditCase.ExpectedAnswer,
                    Reference = auditCase.Reference, ReferenceKind = auditCase.ReferenceKind, Problems = problems,
                });
        }
        return record with
        {
            Model = model, Methods = parsed.Methods, MaxNewTokens = parsed.MaxNewTokens, Options = parsed.Options, Jobs = jobs,
        };
    }

    /// <summary>The case's image must be in the suite folder now, and not too large; otherwise the case fails, named, without a job.</summary>
    private async Task<IReadOnlyList<string>> ImageProblemsAsync(string suite, AuditCase auditCase, CancellationToken cancellationToken) =>
        await store.SizeOfAsync(AuditLayout.SuiteFile(suite, auditCase.Image), cancellationToken).ConfigureAwait(false) switch
        {
            null => [$"suite '{suite}', case '{auditCase.Id}': image '{auditCase.Image}' does not exist in the suite folder"],
            long size when size > options.MaxFileBytes =>
                [$"suite '{suite}', case '{auditCase.Id}': image '{auditCase.Image}' is {size} bytes; the limit is {options.MaxFileBytes}"],
            _ => [],
        };

    private async Task<AuditRunRecord?> ReadRunAsync(string runId, CancellationToken cancellationToken)
    {
        var json = await store.ReadAsync(AuditLayout.RunBlob(runId), AuditSuiteReader.MaxSuiteBytes * 4L, cancellationToken).ConfigureAwait(false);
        return json is null ? null : PipelineJson.Deserialize<AuditRunRecord>(json);
    }

    /// <summary>The image's name in the job folder: its file name in the suite (a valid image name, as a segment of one).</summary>
    private static string ImageNameInJob(string suitePath) => suitePath[(suitePath.LastIndexOf('/') + 1)..];

    private static string ContentTypeOf(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".webp" => "image/webp",
        ".gif" => "image/gif",
        ".bmp" => "image/bmp",
        _ => "application/octet-stream",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit suite {Suite}: run {RunId} {Decision}; {Jobs} jobs, {Submitted} submitted now")]
    private static partial void LogStarted(ILogger logger, string suite, string runId, AuditStartDecision decision, int jobs, int submitted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit suite {Suite} cannot run (run {RunId}): {Problems}")]
    private static partial void LogInvalidSuite(ILogger logger, string suite, string runId, string problems);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Audit folder {Suite} has no suite.json; skipped")]
    private static partial void LogNoSuiteFile(ILogger logger, string suite);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit suite {Suite}: starting its run failed; the next tick tries again")]
    private static partial void LogSuiteError(ILogger logger, string suite, Exception exception);
}
