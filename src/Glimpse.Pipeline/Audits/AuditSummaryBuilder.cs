using Glimpse.Core.Contracts;
using Glimpse.Core.Evaluation;
using Glimpse.Core.Methods;

namespace Glimpse.Pipeline.Audits;

/// <summary>One case × method as the aggregator found it: its result row, and its alignment scores when it has them.</summary>
public sealed record AuditCaseOutcome(AuditCaseResult Result, AlignmentScores? Alignment);

/// <summary>
/// Turns a run's case outcomes into its <see cref="AuditSummary"/>: no storage, no clock, so every number can be checked
/// on its own. Means and intervals are <c>glimpse eval</c>'s (<see cref="Bootstrap"/>), over the succeeded jobs that
/// have the value.
/// </summary>
public static class AuditSummaryBuilder
{
    /// <summary>The summary of a suite that could not run.</summary>
    public static AuditSummary Invalid(AuditRunRecord run, DateTimeOffset completedAt) => new()
    {
        RunId = run.RunId, Suite = run.Suite, ScheduledAt = run.ScheduledAt, CompletedAt = completedAt, Outcome = AuditRunOutcome.InvalidSuite,
        Problems = run.Problems, Model = run.Model, Methods = run.Methods, Counts = new AuditCounts(0, 0, 0, 0),
    };

    /// <param name="previous">The suite's previous completed run, for drift; null for none.</param>
    public static AuditSummary Completed(AuditRunRecord run, IReadOnlyList<AuditCaseOutcome> outcomes, AuditSummary? previous, int seed,
        DateTimeOffset completedAt)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(outcomes);
        var records = outcomes.Where(o => o.Result.Status == JobStatus.Succeeded).Select(ToRecord).ToList();
        var byMethod = run.Methods.ToDictionary(method => method, method =>
        {
            var jobs = outcomes.Where(o => o.Result.Method == method).ToList();
            var methodRecords = records.Where(r => r.Method == method).ToList();
            return new AuditMethodSummary(
                MethodVariant.Parse(method).Method.Approximate, jobs.Count,
                jobs.Count(j => j.Result.Status == JobStatus.Succeeded), jobs.Count(j => j.Result.Status == JobStatus.Failed),
                Accuracy(methodRecords, seed),
                AuditMetrics.Alignment.ToDictionary(metric => metric.Name, metric =>
                {
                    var estimate = AuditEstimate.Of(Bootstrap.Mean(methodRecords.Select(metric.Read), seed));
                    return new AuditMetricSummary(estimate.Count, estimate.Mean, estimate.CiLow, estimate.CiHigh, metric.HigherIsBetter);
                }));
        });
        var summary = new AuditSummary
        {
            RunId = run.RunId, Suite = run.Suite, ScheduledAt = run.ScheduledAt, CompletedAt = completedAt, Outcome = AuditRunOutcome.Completed,
            Model = run.Model, Methods = run.Methods,
            Counts = new AuditCounts(outcomes.Select(o => o.Result.CaseId).Distinct().Count(), outcomes.Count,
                outcomes.Count(o => o.Result.Status == JobStatus.Succeeded), outcomes.Count(o => o.Result.Status == JobStatus.Failed)),
            Accuracy = Accuracy(records, seed),
            ByMethod = byMethod,
            Cases = outcomes.Select(o => o.Result).ToList(),
        };
        return previous is null ? summary : summary with { Drift = Drift(previous, summary) };
    }

    /// <summary>This run against <paramref name="previous"/>: metric means and accuracy by difference, answers case by case.</summary>
    public static AuditDrift Drift(AuditSummary previous, AuditSummary current)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        var metrics = current.Methods.Where(previous.ByMethod.ContainsKey).ToDictionary(method => method,
            method => (IReadOnlyDictionary<string, AuditDelta>)AuditMetrics.Alignment.ToDictionary(metric => metric.Name,
                metric => AuditDelta.Of(MeanOf(previous, method, metric.Name), MeanOf(current, method, metric.Name))));
        var before = previous.Cases.ToDictionary(c => (c.CaseId, c.Method));
        var changes = current.Cases
            .Where(c => before.ContainsKey((c.CaseId, c.Method)))
            .Select(c => (Now: c, Then: before[(c.CaseId, c.Method)]))
            .Where(p => p.Now.Status != p.Then.Status || Normalized(p.Now.Answer) != Normalized(p.Then.Answer))
            .Select(p => new AuditAnswerChange(p.Now.CaseId, p.Now.Method, p.Then.Status, p.Now.Status, p.Then.Answer, p.Now.Answer, p.Then.Correct, p.Now.Correct))
            .ToList();
        return new AuditDrift
        {
            PreviousRunId = previous.RunId,
            Accuracy = AuditDelta.Of(previous.Accuracy?.Mean, current.Accuracy?.Mean),
            Failed = AuditDelta.Of(previous.Counts.Failed, current.Counts.Failed),
            Metrics = metrics,
            AnswerChanges = changes,
        };
    }

    /// <summary>A case's metric values by name (null where a metric has no value, e.g. AUC-Judd for an empty mask).</summary>
    public static IReadOnlyDictionary<string, double?> MetricValues(AlignmentScores alignment)
    {
        var record = new EvalRecord { ItemId = "", Method = "", Question = "", Answer = "", AnswerTokens = 0, Alignment = alignment };
        return AuditMetrics.Alignment.ToDictionary(metric => metric.Name, metric => AuditEstimate.Finite(metric.Read(record)));
    }

    private static EvalRecord ToRecord(AuditCaseOutcome outcome) => new()
    {
        ItemId = outcome.Result.CaseId,
        Method = outcome.Result.Method,
        Question = outcome.Result.Question,
        ExpectedAnswer = outcome.Result.ExpectedAnswer,
        Answer = outcome.Result.Answer ?? "",
        Correct = outcome.Result.Correct,
        AnswerTokens = 0,
        ReferenceKind = outcome.Result.ReferenceKind,
        Alignment = outcome.Alignment,
    };

    private static AuditEstimate? Accuracy(IReadOnlyList<EvalRecord> records, int seed)
    {
        var answered = records.Where(r => r.Correct is not null).ToList();
        return answered.Count == 0 ? null : AuditEstimate.Of(Bootstrap.Mean(answered.Select(r => r.Correct == true ? 1.0 : 0.0), seed));
    }

    private static double? MeanOf(AuditSummary summary, string method, string metric) =>
        summary.ByMethod.TryGetValue(method, out var m) && m.Metrics.TryGetValue(metric, out var value) ? value.Mean : null;

    private static string? Normalized(string? answer) => answer is null ? null : AnswerMatching.Normalize(answer);
}
