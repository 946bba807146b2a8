namespace Glimpse.Pipeline.Audits;

/// <summary>How audits run (configuration section <c>Glimpse:Audits</c>, e.g. <c>Glimpse__Audits__DefaultModel</c>).</summary>
public sealed class AuditOptions
{
    /// <summary>The model of suites that name none; a suite without a model is invalid when this is not set either.</summary>
    public string? DefaultModel { get; set; }

    /// <summary>
    /// The length of a schedule slot: a tick names its run by the start of the slot its scheduled time falls in (UTC,
    /// counted from midnight), so a timer that fires twice for one occurrence — a restart, a second instance, a firing
    /// a little late — starts one run. Keep it at most the schedule's interval: two occurrences in one slot share a run.
    /// </summary>
    public TimeSpan SlotLength { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Answer length of suites that set no <c>max_new_tokens</c>.</summary>
    public int DefaultMaxNewTokens { get; set; } = 32;

    /// <summary>
    /// How long a run may wait for its jobs. After this, jobs that are still not finished (never ingested, stuck in a
    /// queue) count as failed with that reason and the run is summarised: a run always ends with a report.
    /// </summary>
    public TimeSpan RunTimeout { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The largest image or reference a case may have; larger ones fail the case (ingest would refuse the image too).</summary>
    public long MaxFileBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Seeds the bootstrap intervals of the summary, so a run's numbers are reproducible.</summary>
    public int Seed { get; set; }

    public void Validate()
    {
        if (DefaultModel is { Length: 0 }) throw new ArgumentException("DefaultModel is empty; leave it unset for none.");
        ArgumentOutOfRangeException.ThrowIfLessThan(DefaultMaxNewTokens, 1, nameof(DefaultMaxNewTokens));
        if (SlotLength < TimeSpan.FromSeconds(1) || SlotLength > TimeSpan.FromDays(1))
            throw new ArgumentOutOfRangeException(nameof(SlotLength), SlotLength, "must be between one second and one day");
        if (RunTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RunTimeout), RunTimeout, "must be positive");
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFileBytes, 1, nameof(MaxFileBytes));
    }
}
