using System.Diagnostics;
using System.Text.Json;
using Glimpse.Core.Contracts;
using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Core.Reports;
using Glimpse.Core.Validation;
using Glimpse.Explain;
using Glimpse.Pipeline.Handlers;
using Glimpse.Pipeline.Storage;
using Glimpse.Pipeline.Telemetry;
using Glimpse.Pipeline.Transport;
using Glimpse.Processing.Models;
using Microsoft.Extensions.Logging;

namespace Glimpse.Processing.Jobs;

/// <summary>
/// The worker's handling of one work message: run the job and write its results, or recognise it as done, or give it
/// up. Guarantees:
/// <list type="bullet">
/// <item>never recomputes: a job whose status is terminal, or whose result.json exists, is only finished off
/// (status, completion event) and its message completed;</item>
/// <item>results are create-once, result.json last, so its existence means all four exist; a conflict means another
/// delivery wrote the blob first, which counts as written;</item>
/// <item>transient failures (storage or bus unavailable, I/O) abandon the message for another delivery, until
/// <see cref="JobProcessorOptions.MaxDeliveryCount"/>;</item>
/// <item>poison (a malformed message, a manifest or image that no longer validates or decodes, an explain error, too
/// many deliveries) gets failure.json, status failed and a completion event, then the dead-letter queue with the reason.</item>
/// </list>
/// </summary>
public sealed partial class JobProcessor(
    JobStore jobs, ResultStore results, StatusStore statuses, JobFinalizer finalizer, ManifestValidator manifests, IExplainEngine engine,
    JobProcessorOptions options, ILogger<JobProcessor> logger) : IJobProcessor
{
    /// <summary>Dead-letter reasons, short codes an operator can filter on; the description says the details.</summary>
    public static class DeadLetterReasons
    {
        public const string MalformedMessage = "MalformedMessage";
        public const string InvalidJob = "InvalidJob";
        public const string ExplainFailed = "ExplainFailed";
        public const string MaxDeliveryCountExceeded = "MaxDeliveryCountExceeded";
    }

    /// <summary>Thrown inside a run for a job that can never succeed; caught by <see cref="ProcessAsync"/>.</summary>
    private sealed class PoisonJobException(string reason, IReadOnlyList<string> problems) : Exception(string.Join("; ", problems))
    {
        public string Reason { get; } = reason;
        public IReadOnlyList<string> Problems { get; } = problems;
    }

    public async Task ProcessAsync(IReceivedWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var activity = PipelineTelemetry.Source.StartActivity("process glimpse-jobs", ActivityKind.Consumer,
            TraceContext.Extract(work.ApplicationProperties));
        activity?.SetTag(PipelineTelemetry.Tags.MessageId, work.MessageId);
        activity?.SetTag(PipelineTelemetry.Tags.DeliveryCount, work.DeliveryCount);

        var message = ReadMessage(work.Body);
        if (message is null)
        {
            LogMalformed(logger, work.MessageId);
            await work.DeadLetterAsync(DeadLetterReasons.MalformedMessage,
                $"The message body is not a work message for a job in this pipeline (message id {work.MessageId}).", cancellationToken).ConfigureAwait(false);
            return;
        }
        activity?.SetTag(PipelineTelemetry.Tags.JobId, message.JobId);
        activity?.SetTag(PipelineTelemetry.Tags.Model, message.Model);
        activity?.SetTag(PipelineTelemetry.Tags.Method, message.Method);
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["JobId"] = message.JobId, ["CorrelationId"] = message.CorrelationId });

        var echo = new JobEcho(message.Model, message.Method, message.CorrelationId, new Dictionary<string, string>());
        long started = Stopwatch.GetTimestamp();
        try
        {
            await HandleAsync(work, message, echo, cancellationToken).ConfigureAwait(false);
            PipelineTelemetry.JobDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        catch (PoisonJobException poison)
        {
            await GiveUpAsync(work, message.JobId, poison.Reason, poison.Problems, echo, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (TransientFailures.IsTransient(e) && !cancellationToken.IsCancellationRequested)
        {
            if (work.DeliveryCount >= options.MaxDeliveryCount)
            {
                await GiveUpAsync(work, message.JobId, DeadLetterReasons.MaxDeliveryCountExceeded,
                    [$"gave up after {work.DeliveryCount} deliveries; the last failed with: {e.Message}"], echo, cancellationToken).ConfigureAwait(false);
                return;
            }
            LogRetrying(logger, message.JobId, work.DeliveryCount, e);
            await work.AbandonAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <param name="echo">The job's echo as the message knows it; the status record's, written by ingest, takes precedence.</param>
    private async Task HandleAsync(IReceivedWork work, WorkMessage message, JobEcho echo, CancellationToken cancellationToken)
    {
        string jobId = message.JobId;
        // The two checks of "done already" are independent reads: one round trip of latency, not two.
        var statusRead = statuses.ReadStoredAsync(jobId, cancellationToken);
        var resultExists = results.ExistsAsync(BlobLayout.ResultBlobs(jobId).ResultJson, cancellationToken);
        var stored = await statusRead.ConfigureAwait(false);
        bool resultWritten = await resultExists.ConfigureAwait(false);
        if (stored.Record is { } known && known.Status.IsTerminal())
        {
            using var finishing = Finishing();
            await finalizer.PublishOnceAsync(known, null, finishing.Token).ConfigureAwait(false);
            LogAlreadyDone(logger, jobId, known.Status);
            await work.CompleteAsync(finishing.Token).ConfigureAwait(false);
            return;
        }
        if (resultWritten)
        {
            // An earlier delivery wrote every result and stopped before recording success.
            using var finishing = Finishing();
            await finalizer.SucceedAsync(jobId, echo, work.DeliveryCount, null, finishing.Token, stored).ConfigureAwait(false);
            LogAlreadyDone(logger, jobId, JobStatus.Succeeded);
            await work.CompleteAsync(finishing.Token).ConfigureAwait(false);
            return;
        }
        if (work.DeliveryCount > options.MaxDeliveryCount)
            throw new PoisonJobException(DeadLetterReasons.MaxDeliveryCountExceeded,
                [$"delivered {work.DeliveryCount} times without finishing; the limit is {options.MaxDeliveryCount}"]);

        // The image is read while the manifest is: the manifest's problems still come first (it is checked first).
        var imageRead = jobs.ReadAsync(message.ImageBlob, options.Images.MaxBytes, cancellationToken);
        var (manifest, settings) = await ReadManifestAsync(message, cancellationToken).ConfigureAwait(false);
        var manifestEcho = JobEcho.Of(manifest);
        var running = await statuses.UpdateAsync(jobId, stored, current => current?.Status.IsTerminal() == true
            ? null
            : (current ?? NewStatus(jobId, manifestEcho)) with { Status = JobStatus.Running, Attempt = work.DeliveryCount, UpdatedAt = DateTimeOffset.UtcNow },
            cancellationToken).ConfigureAwait(false);
        if (running.Record!.Status.IsTerminal())
        {
            // Another delivery finished it while this one was starting.
            using var finishing = Finishing();
            await work.CompleteAsync(finishing.Token).ConfigureAwait(false);
            return;
        }
        LogRunning(logger, jobId, work.DeliveryCount, manifest.Model, manifest.Method);

        var image = DecodeImage(message, await imageRead.ConfigureAwait(false));
        var request = new ExplainRequest(image, manifest.Prompt, Explainers.Create(manifest.Method, settings))
        {
            MaxNewTokens = manifest.MaxNewTokens,
            PerTokenMaps = settings.Glimpse.PerTokenMaps,
            Precision = settings.Precision,
        };
        ReportContent content;
        ExplainOutcome outcome;
        try
        {
            outcome = await engine.ExplainAsync(manifest.Model, request, cancellationToken).ConfigureAwait(false);
            long renderStart = Stopwatch.GetTimestamp();
            content = ReportWriter.Render(outcome.Result, outcome.Image, settings.Normalization);
            PipelineTelemetry.RenderDuration.Record(Stopwatch.GetElapsedTime(renderStart).TotalSeconds);
        }
        catch (Exception e) when (e is not OperationCanceledException && !TransientFailures.IsTransient(e))
        {
            throw new PoisonJobException(DeadLetterReasons.ExplainFailed, [$"explaining failed: {e.Message}"]);
        }

        await WriteResultsAsync(jobId, content, cancellationToken).ConfigureAwait(false);
        using (var finishing = Finishing())
        {
            await finalizer.SucceedAsync(jobId, manifestEcho, work.DeliveryCount, outcome.Result, finishing.Token, running).ConfigureAwait(false);
            LogSucceeded(logger, jobId, outcome.Result.Timings.TotalSeconds);
            await work.CompleteAsync(finishing.Token).ConfigureAwait(false);
        }
    }

    /// <summary>A status record for a job that has none (its message did not come from ingest, or its record was deleted).</summary>
    private static StatusRecord NewStatus(string jobId, JobEcho echo) => new()
    {
        JobId = jobId, Status = JobStatus.Running, UpdatedAt = DateTimeOffset.UtcNow,
        Model = echo.Model, Method = echo.Method, CorrelationId = echo.CorrelationId, Tags = echo.Tags,
    };

    /// <summary>The manifest again (the message is only a claim check), validated again against this worker's catalog.</summary>
    private async Task<(JobManifest Manifest, ExplainSettings Settings)> ReadManifestAsync(WorkMessage message, CancellationToken cancellationToken)
    {
        var bytes = await jobs.ReadPrefixAsync(message.ManifestBlob, manifests.Limits.MaxManifestBytes, cancellationToken).ConfigureAwait(false);
        if (bytes is null) throw new PoisonJobException(DeadLetterReasons.InvalidJob, [$"the manifest {message.ManifestBlob} no longer exists"]);
        var validation = bytes.IsWhole
            ? manifests.Validate(bytes.Bytes)
            : ManifestValidation.Rejected($"the manifest is {bytes.TotalBytes} bytes; the limit is {manifests.Limits.MaxManifestBytes}");
        return validation is { Manifest: { } manifest, Settings: { } settings }
            ? (manifest, settings)
            : throw new PoisonJobException(DeadLetterReasons.InvalidJob, validation.Problems);
    }

    private RgbImage DecodeImage(WorkMessage message, BlobPrefix? bytes)
    {
        if (bytes is null) throw new PoisonJobException(DeadLetterReasons.InvalidJob, [$"the image {message.ImageBlob} no longer exists"]);
        if (!bytes.IsWhole)
            throw new PoisonJobException(DeadLetterReasons.InvalidJob, [$"the image is {bytes.TotalBytes} bytes; the limit is {options.Images.MaxBytes}"]);
        try
        {
            return RgbImage.Decode(bytes.Bytes, message.ImageBlob);
        }
        catch (ImageDecodeException e)
        {
            throw new PoisonJobException(DeadLetterReasons.InvalidJob, [e.Message]);
        }
    }

    /// <summary>
    /// The three views together, then result.json alone once they are all written: its existence is what later
    /// deliveries take as "all results written". (result.json 2.0 carries the map's layout and geometry, so the
    /// geometry.json older workers wrote is gone.)
    /// </summary>
    private async Task WriteResultsAsync(string jobId, ReportContent content, CancellationToken cancellationToken)
    {
        var names = BlobLayout.ResultBlobs(jobId);
        (string Name, byte[] Bytes, string ContentType)[] views =
        [
            (names.HeatmapPng, content.HeatmapPng, "image/png"),
            (names.OverlayPng, content.OverlayPng, "image/png"),
            (names.ReportHtml, content.ReportHtml, "text/html; charset=utf-8"),
        ];
        await Task.WhenAll(views.Select(view => WriteAsync(view.Name, view.Bytes, view.ContentType))).ConfigureAwait(false);
        await WriteAsync(names.ResultJson, content.ResultJson, "application/json").ConfigureAwait(false);

        async Task WriteAsync(string name, byte[] bytes, string contentType)
        {
            if (!await results.TryCreateAsync(name, BinaryData.FromBytes(bytes), contentType, cancellationToken).ConfigureAwait(false))
                LogResultExisted(logger, jobId, name);
        }
    }

    private async Task GiveUpAsync(IReceivedWork work, string jobId, string reason, IReadOnlyList<string> problems, JobEcho echo,
        CancellationToken cancellationToken)
    {
        var status = await finalizer.FailAsync(jobId, FailureStage.Worker, problems, echo, work.DeliveryCount, cancellationToken).ConfigureAwait(false);
        if (status.Status == JobStatus.Succeeded)
        {
            // Only the completion publish had failed; it went out now, and the job's message is done, not poison.
            LogAlreadyDone(logger, jobId, status.Status);
            using var finished = Finishing();
            await work.CompleteAsync(finished.Token).ConfigureAwait(false);
            return;
        }
        using var finishing = Finishing();
        await work.DeadLetterAsync(reason, string.Join("; ", problems), finishing.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// The token for finishing off a job whose outcome is recorded (results or failure written): its status, its
    /// completion event and settling its message. Shutdown does not cut this short (that would only leave a redelivery
    /// to find the job done), but <see cref="JobProcessorOptions.SettleTimeout"/> bounds it.
    /// </summary>
    private CancellationTokenSource Finishing() => new(options.SettleTimeout);

    /// <summary>The work message, or null when the body is not one for a valid job id.</summary>
    private static WorkMessage? ReadMessage(BinaryData body)
    {
        WorkMessage message;
        try
        {
            message = PipelineJson.Deserialize<WorkMessage>(body);
        }
        catch (JsonException)
        {
            return null;
        }
        if (!BlobLayout.IsValidJobId(message.JobId)) return null;
        // Claim-check names must point into the job's own folder, whatever wrote the message.
        string folder = BlobLayout.ManifestBlob(message.JobId)[..^BlobLayout.ManifestFileName.Length];
        return message.ManifestBlob == BlobLayout.ManifestBlob(message.JobId)
            && message.ImageBlob.StartsWith(folder, StringComparison.Ordinal)
            && ImageNameRules.Problem(message.ImageBlob[folder.Length..]) is null
            ? message
            : null;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} is not a work message; dead-lettered")]
    private static partial void LogMalformed(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} is already {Status}; finished off without recomputing")]
    private static partial void LogAlreadyDone(ILogger logger, string jobId, JobStatus status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} running (delivery {DeliveryCount}, model {Model}, method {Method})")]
    private static partial void LogRunning(ILogger logger, string jobId, int deliveryCount, string model, string method);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: {BlobName} already existed (another delivery wrote it); kept")]
    private static partial void LogResultExisted(ILogger logger, string jobId, string blobName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} succeeded in {Seconds:F2} s")]
    private static partial void LogSucceeded(ILogger logger, string jobId, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: transient failure on delivery {DeliveryCount}; abandoned for another try")]
    private static partial void LogRetrying(ILogger logger, string jobId, int deliveryCount, Exception exception);
}
