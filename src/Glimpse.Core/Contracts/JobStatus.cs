
namespace Glimpse.Core.Contracts;

/// <summary>Where a job is. <see cref="Succeeded"/> and <see cref="Failed"/> are terminal: nothing changes a job after either.</summary>
public enum JobStatus
{
    /// <summary>Ingest validated the job and queued it.</summary>
    Accepted,
    /// <summary>A worker is running it (the status record's attempt says which delivery).</summary>
    Running,
    Succeeded,
    Failed,
}

public static class JobStatusExtensions
{
    public static bool IsTerminal(this JobStatus status) => status is JobStatus.Succeeded or JobStatus.Failed;
}
