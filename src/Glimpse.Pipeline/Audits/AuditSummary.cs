using Glimpse.Core.Contracts;
using Glimpse.Core.Evaluation;

namespace Glimpse.Pipeline.Audits;

/// <summary>How a run ended.</summary>
public enum AuditRunOutcome
{
    /// <summary>Every job reached a terminal status (or timed out, counted as failed) and the metrics were computed.</summary>
    Completed,
    /// <summary>The suite could not run; <see cref="AuditSummary.Problems"/> says why.</summary>
    InvalidSuite,
}

/// <summary>
/// <c>glimpse-audits/runs/{runId}/summary.json</c> (Schemas/audit-summary.schema.json), created once when every job of
/// the run is terminal: counts (a failed job is counted, never dropped), answer accuracy, the <c>glimpse eval</c>
/// alignment metrics per method with 95% bootstrap intervals, every case × method's outcome, and the drift from the
/// suite's previous completed run. Missing numbers are null. report.html is rendered from this document alone.
/// </summary>
public sealed record AuditSummary
{
    public const string CurrentSchemaVersion = "1.0";

    /// <summary>Why the summary has no deletion/insertion numbers: they need the model, which the aggregator does not load.</summary>
    public const string FaithfulnessNote =
        "Faithfulness (deletion and insertion curves) is not part of audits: it re-runs the model on perturbed images, and the aggregator has no model. Run `glimpse eval` on the suite's data for it.";

    public string SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string RunId { get; init; }
    public required string Suite { get; init; }
    public required DateTimeOffset ScheduledAt { get; init; }
    public required DateTimeOffset CompletedAt { get; init; }
    public required AuditRunOutcome Outcome { get; init; }
    /// <summary>Why the suite could not run; empty when it ran.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
    public string? Model { get; init; }
    public IReadOnlyList<string> Methods { get; init; } = [];
    public required AuditCounts Counts { get; init; }
    /// <summary>Exact-answer accuracy (<see cref="AnswerMatching"/>) over succeeded jobs whose case has an expected answer; null when none has.</summary>
    public AuditEstimate? Accuracy { get; init; }
    /// <summary>By method, in <see cref="Methods"/> order.</summary>
    public IReadOnlyDictionary<string, AuditMethodSummary> ByMethod { get; init; } = new Dictionary<string, AuditMethodSummary>();
    public string Faithfulness { get; init; } = FaithfulnessNote;
    /// <summary>One per case × method, in run order.</summary>
    public IReadOnlyList<AuditCaseResult> Cases { get; init; } = [];
    /// <summary>Null when the suite has no earlier completed run.</summary>
    public AuditDrift? Drift { get; init; }
}

/// <summary>Cases in the suite, case × method jobs in the run, and how they ended (succeeded + failed = jobs).</summary>
public sealed record AuditCounts(int Cases, int Jobs, int Succeeded, int Failed);

/// <summary>A mean over the values that exist, with its 95% percentile-bootstrap interval (<see cref="Bootstrap"/>); null numbers when <see cref="Count"/> is 0.</summary>
public sealed record AuditEstimate(int Count, double? Mean, double? CiLow, double? CiHigh)
{
    public static AuditEstimate Of(Estimate estimate) => new(estimate.Count, Finite(estimate.Mean), Finite(estimate.Low), Finite(estimate.High));

    public Estimate ToEstimate() => new(Count, Mean ?? double.NaN, CiLow ?? double.NaN, CiHigh ?? double.NaN);

    public static double? Finite(double value) => double.IsFinite(value) ? value : null;
}

/// <summary>One method's jobs, accuracy and alignment metrics (by <see cref="AuditMetrics.Alignment"/> name).</summary>
public sealed record AuditMethodSummary(bool Approximate, int Jobs, int Succeeded, int Failed, AuditEstimate? Accuracy,
    IReadOnlyDictionary<string, AuditMetricSummary> Metrics);

public sealed record AuditMetricSummary(int Count, double? Mean, double? CiLow, double? CiHigh, bool HigherIsBetter);

/// <summary>
/// One case × method: how its job ended, the answer and whether it matches the expected one, and the alignment metrics
/// with the case's reference (null without a reference, or when they could not be computed: <see cref="Notes"/> says why).
/// </summary>
public sealed record AuditCaseResult
{
    public required string CaseId { get; init; }
    public required string Method { get; init; }
    /// <summary>Null when the case was never submitted (an invalid case, a missing image).</summary>
    public string? JobId { get; init; }
    /// <summary><see cref="JobStatus.Succeeded"/> or <see cref="JobStatus.Failed"/>.</summary>
    public required JobStatus Status { get; init; }
    /// <summary>Why it failed; null when it succeeded.</summary>
    public string? Reason { get; init; }
    public required string Question { get; init; }
    public string? ExpectedAnswer { get; init; }
    public string? Answer { get; init; }
    public bool? Correct { get; init; }
    public ReferenceKind? ReferenceKind { get; init; }
    public IReadOnlyDictionary<string, double?>? Metrics { get; init; }
    /// <summary>What a reader should know about this case, e.g. why its metrics are missing.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>This run against the suite's previous completed run: per method and metric, accuracy and failures; and the case × method pairs whose answer or outcome changed.</summary>
public sealed record AuditDrift
{
    public required string PreviousRunId { get; init; }
    public required AuditDelta Accuracy { get; init; }
    public required AuditDelta Failed { get; init; }
    /// <summary>By method (those in both runs), then by metric.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, AuditDelta>> Metrics { get; init; }
    public required IReadOnlyList<AuditAnswerChange> AnswerChanges { get; init; }
}

/// <summary>A number in the previous run and in this one, and this one minus the previous (null when either is missing).</summary>
public sealed record AuditDelta(double? Previous, double? Current, double? Delta)
{
    public static AuditDelta Of(double? previous, double? current) => new(previous, current, previous is { } p && current is { } c ? c - p : null);
}

/// <summary>A case × method in both runs whose answer (after <see cref="AnswerMatching.Normalize"/>) or outcome changed.</summary>
public sealed record AuditAnswerChange(string CaseId, string Method, JobStatus PreviousStatus, JobStatus Status,
    string? PreviousAnswer, string? Answer, bool? PreviousCorrect, bool? Correct);

/// <summary>The metrics audits report: <c>glimpse eval</c>'s alignment metrics (<see cref="EvalMetrics.All"/> without deletion and insertion, which need the model).</summary>
public static class AuditMetrics
{
    private static readonly HashSet<string> NeedTheModel = ["deletion_auc", "insertion_auc"];

    public static IReadOnlyList<EvalMetric> Alignment { get; } = EvalMetrics.All.Where(m => !NeedTheModel.Contains(m.Name)).ToList();
}
