using System.Collections.Concurrent;
using System.Diagnostics;
using Glimpse.Pipeline.Telemetry;

namespace Glimpse.Pipeline.Tests;

/// <summary>Records the pipeline's spans while it lives, as an OpenTelemetry exporter would see them.</summary>
public sealed class ActivityRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();

    public ActivityRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PipelineTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The stopped spans of one job, by the job-id attribute.</summary>
    public IReadOnlyList<Activity> OfJob(string jobId) =>
        _stopped.Where(a => (string?)a.GetTagItem(PipelineTelemetry.Tags.JobId) == jobId).ToList();

    public void Dispose() => _listener.Dispose();
}
