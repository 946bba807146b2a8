using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Glimpse.Pipeline.Telemetry;

/// <summary>
/// The pipeline's OpenTelemetry traces: one <see cref="ActivitySource"/> that hosts subscribe to by name
/// (<c>AddSource("Glimpse.Pipeline")</c>). Ingest, the send, the worker's run and the completion publish are spans of
/// one trace per job, linked across the bus by the W3C trace context in message properties (<see cref="TraceContext"/>).
/// Its metrics come from one <see cref="Meter"/> of the same name.
/// </summary>
public static class PipelineTelemetry
{
    public const string SourceName = "Glimpse.Pipeline";

    public static ActivitySource Source { get; } = new(SourceName);

    public static Meter Meter { get; } = new(SourceName);

    /// <summary>The worker's time drawing a job's result files (heatmap, overlay, report.html, result.json), apart
    /// from the model's work and from storage I/O.</summary>
    public static Histogram<double> RenderDuration { get; } = Meter.CreateHistogram<double>(RenderDurationName, "s", "Rendering a job's result files");

    public const string RenderDurationName = "glimpse.worker.render.duration";

    /// <summary>The worker's whole handling of one work message: storage and bus I/O, validation, the model's work and
    /// rendering; what is left after the other two is the worker's fixed cost per job.</summary>
    public static Histogram<double> JobDuration { get; } = Meter.CreateHistogram<double>(JobDurationName, "s", "Handling one work message in the worker");

    public const string JobDurationName = "glimpse.worker.job.duration";

    /// <summary>Span attribute names, following OpenTelemetry's messaging conventions where one exists.</summary>
    public static class Tags
    {
        public const string JobId = "glimpse.job.id";
        public const string Model = "glimpse.model";
        public const string Method = "glimpse.method";
        public const string Outcome = "glimpse.outcome";
        public const string AuditSuite = "glimpse.audit.suite";
        public const string AuditRun = "glimpse.audit.run";
        public const string MessageId = "messaging.message.id";
        public const string DeliveryCount = "messaging.delivery_count";
    }
}
