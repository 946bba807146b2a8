using System.Diagnostics;

namespace Glimpse.Pipeline.Telemetry;

/// <summary>
/// W3C trace context (<c>traceparent</c>, <c>tracestate</c>) carried in message application properties, the names the
/// Azure SDKs and OpenTelemetry use, so the consumer's span continues the producer's trace.
/// </summary>
public static class TraceContext
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    /// <summary>Writes the activity's context into the properties; nothing when there is no activity (tracing off).</summary>
    public static void Inject(Activity? activity, IDictionary<string, string> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C) return;
        properties[TraceParent] = activity.Id!;
        if (!string.IsNullOrEmpty(activity.TraceStateString)) properties[TraceState] = activity.TraceStateString;
    }

    /// <summary>The producer's context from the properties, or default when absent or malformed (a new trace starts).</summary>
    public static ActivityContext Extract(IReadOnlyDictionary<string, object> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (!properties.TryGetValue(TraceParent, out var parent) || parent is not string traceParent) return default;
        string? traceState = properties.TryGetValue(TraceState, out var state) ? state as string : null;
        return ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
    }
}
