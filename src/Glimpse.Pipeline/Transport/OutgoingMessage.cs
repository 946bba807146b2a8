using System.Diagnostics;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Telemetry;

namespace Glimpse.Pipeline.Transport;

/// <summary>
/// A message as both transports send it: broker-level fields (id for duplicate detection, correlation id, content
/// type, subject) beside a JSON body and string application properties (the job id, the trace context, and for
/// completions the status, model and method, which Service Bus subscription filters can match).
/// </summary>
public sealed record OutgoingMessage(
    string MessageId, string? CorrelationId, string ContentType, string Subject, BinaryData Body, IReadOnlyDictionary<string, string> ApplicationProperties)
{
    public const string JsonContentType = "application/json";
    public const string WorkSubject = "glimpse.job";
    public const string CompletionSubject = "glimpse.completed";

    /// <summary>Application property names the pipeline sets.</summary>
    public static class Properties
    {
        public const string JobId = "job_id";
        public const string SchemaVersion = "schema_version";
        public const string Status = "status";
        public const string Model = "model";
        public const string Method = "method";
    }

    /// <summary>The work message, its id the job id, so a broker with duplicate detection drops a second send.</summary>
    public static OutgoingMessage ForWork(WorkMessage work, Activity? activity)
    {
        ArgumentNullException.ThrowIfNull(work);
        var properties = new Dictionary<string, string>
        {
            [Properties.JobId] = work.JobId,
            [Properties.SchemaVersion] = work.SchemaVersion,
        };
        TraceContext.Inject(activity, properties);
        return new OutgoingMessage(work.JobId, work.CorrelationId, JsonContentType, WorkSubject, PipelineJson.Serialize(work), properties);
    }

    /// <summary>A completion event, its id derived from the job id: a job completes once, so a repeat is a duplicate.</summary>
    public static OutgoingMessage ForCompletion(CompletionEvent completion, Activity? activity)
    {
        ArgumentNullException.ThrowIfNull(completion);
        var properties = new Dictionary<string, string>
        {
            [Properties.JobId] = completion.JobId,
            [Properties.SchemaVersion] = completion.SchemaVersion,
            [Properties.Status] = PipelineJson.Options.PropertyNamingPolicy!.ConvertName(completion.Status.ToString()),
        };
        if (completion.Model is not null) properties[Properties.Model] = completion.Model;
        if (completion.Method is not null) properties[Properties.Method] = completion.Method;
        TraceContext.Inject(activity, properties);
        return new OutgoingMessage($"{completion.JobId}.completed", completion.CorrelationId, JsonContentType, CompletionSubject,
            PipelineJson.Serialize(completion), properties);
    }
}
