using System.Text.Json;
using Glimpse.Core.Evaluation;

namespace Glimpse.Pipeline.Audits;

/// <summary>
/// <c>glimpse-audits/runs/{runId}/run.json</c>: a run as it was started, created once. It copies the suite's cases
/// (questions, expected answers, the reference paths) so an edited suite.json does not change a started run, and maps
/// every case × method to its job. The reference files themselves are read from the suite folder when the run is
/// aggregated. A suite that could not run is a run too, with its
/// <see cref="Problems"/> and no jobs, so it shows up where reports are read.
/// </summary>
public sealed record AuditRunRecord
{
    public const string CurrentSchemaVersion = "1.0";

    public string SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string RunId { get; init; }
    public required string Suite { get; init; }
    /// <summary>The schedule slot the run belongs to.</summary>
    public required DateTimeOffset ScheduledAt { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>Null when the suite could not be read far enough to name one.</summary>
    public string? Model { get; init; }
    public IReadOnlyList<string> Methods { get; init; } = [];
    /// <summary>The suite's max_new_tokens; null for <see cref="AuditOptions.DefaultMaxNewTokens"/>.</summary>
    public int? MaxNewTokens { get; init; }
    /// <summary>The suite's GLIMPSE options, passed to every job's manifest.</summary>
    public IReadOnlyDictionary<string, JsonElement> Options { get; init; } = new Dictionary<string, JsonElement>();
    /// <summary>Why the suite could not run; empty when it ran.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
    /// <summary>One entry per case × method, in suite order, methods in suite order within a case.</summary>
    public IReadOnlyList<AuditRunJob> Jobs { get; init; } = [];
}

/// <summary>
/// One case × method of a run: its job id, or, when the case could not be submitted (an invalid case, a missing image),
/// no job and the <see cref="Problems"/> that make it a failed case of the run.
/// </summary>
public sealed record AuditRunJob
{
    public required string CaseId { get; init; }
    public required string Method { get; init; }
    public string? JobId { get; init; }
    /// <summary>The image, relative to the suite folder.</summary>
    public required string Image { get; init; }
    public required string Question { get; init; }
    public string? ExpectedAnswer { get; init; }
    /// <summary>The reference, relative to the suite folder.</summary>
    public string? Reference { get; init; }
    public ReferenceKind? ReferenceKind { get; init; }
    public IReadOnlyList<string> Problems { get; init; } = [];
}
