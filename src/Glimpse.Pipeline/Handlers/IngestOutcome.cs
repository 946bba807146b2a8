namespace Glimpse.Pipeline.Handlers;

public enum IngestDecision
{
    /// <summary>Validated, status accepted, work message sent.</summary>
    Accepted,
    /// <summary>The job was already accepted and queued (or further along): nothing sent again.</summary>
    Duplicate,
    /// <summary>Invalid: failure.json, status failed and a completion event with the reasons.</summary>
    Rejected,
    /// <summary>Not a job: the blob is not a manifest name, or it vanished before it could be read.</summary>
    Ignored,
}

/// <summary>What <see cref="IngestHandler"/> did with a manifest, and why.</summary>
public sealed record IngestOutcome(IngestDecision Decision, string? JobId, IReadOnlyList<string> Problems)
{
    public static IngestOutcome Ignored(string reason) => new(IngestDecision.Ignored, null, [reason]);
}
