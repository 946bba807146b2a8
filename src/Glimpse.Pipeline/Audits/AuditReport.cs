using System.Globalization;
using System.Net;
using System.Text;
using Glimpse.Core.Contracts;
using Glimpse.Core.Evaluation;
using Glimpse.Core.Reports;

namespace Glimpse.Pipeline.Audits;

/// <summary>
/// report.html of an audit run: one self-contained page in eval.html's style (inline CSS and SVG, no script, nothing
/// fetched), rendered from summary.json alone: the run's counts and accuracy; the suite's problems when it could not
/// run; every failed case with its reason; <c>glimpse eval</c>'s results table and metric charts; the drift from the
/// previous run (metric and accuracy deltas, a chart per metric, the answers that changed); every case × method; and
/// why faithfulness is not measured. All text from the data is HTML-escaped.
/// </summary>
public static class AuditReport
{
    /// <summary>The metrics the cases table shows per row (the rest are in summary.json).</summary>
    private static readonly string[] CaseColumns = ["pointing_game", "mass_inside", "nss", "auc_judd"];

    /// <summary>The few rules eval.html has no use for: drift colours, the problem list, sub-headings.</summary>
    private const string OwnStyle = """
        td.worse { color: #b91c1c; font-weight: 600; }
        td.better { color: #15803d; font-weight: 600; }
        .problems li { margin: 2px 0; }
        h3 { font-size: 14.5px; margin: 16px 0 6px; }
        """;

    public static string Render(AuditSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var page = new StringBuilder();
        HtmlPage.AppendHead(page, $"Glimpse audit · {summary.Suite} · {summary.RunId}", EvalHtmlReport.StyleSheet + "\n" + OwnStyle);
        page.Append($"""
            <body data-run="{Encode(summary.RunId)}" data-suite="{Encode(summary.Suite)}" data-outcome="{summary.Outcome.ToString().ToLowerInvariant()}">
            <header class="top">
            <span class="brand">Glimpse audit</span>
            <span class="subtitle">suite {Encode(summary.Suite)} · run {Encode(summary.RunId)}</span>
            {(summary.Model is { } model ? $"<span class=\"badge\">{Encode(model)}</span>" : "")}
            <span class="badge subtle">{summary.Counts.Cases} cases · {summary.Methods.Count} methods</span>
            </header>
            <main>

            """);
        AppendOverview(page, summary);
        if (summary.Outcome == AuditRunOutcome.InvalidSuite)
        {
            page.Append("<section class=\"card\" id=\"problems\">\n<h2>The suite could not run</h2>\n<p class=\"note\">Fix suite.json; the next scheduled run reads it again.</p>\n<ul class=\"problems\">\n");
            foreach (string problem in summary.Problems) page.Append($"<li>{Encode(problem)}</li>\n");
            page.Append("</ul>\n</section>\n");
        }
        else
        {
            AppendFailures(page, summary);
            var evalSummary = ToEvalSummary(summary);
            EvalHtmlReport.AppendResultsTable(page, evalSummary);
            EvalHtmlReport.AppendMetricBars(page, evalSummary);
            if (summary.Drift is { } drift) AppendDrift(page, summary, drift);
            AppendCases(page, summary);
        }
        page.Append($"<section class=\"card\" id=\"faithfulness\">\n<h2>Faithfulness</h2>\n<p class=\"note\">{Encode(summary.Faithfulness)}</p>\n</section>\n");
        page.Append("</main>\n<footer>Glimpse · audit summary schema ").Append(Encode(summary.SchemaVersion))
            .Append(" · this page is self-contained and works offline; summary.json holds every number.</footer>\n</body>\n</html>\n");
        return page.ToString();
    }

    /// <summary>The summary as eval.html's sections read it: the same metrics, means and intervals; no faithfulness, no pairing.</summary>
    private static EvalSummary ToEvalSummary(AuditSummary summary) => new()
    {
        Methods = summary.Methods.Where(summary.ByMethod.ContainsKey).Select(method =>
        {
            var m = summary.ByMethod[method];
            var metrics = EvalMetrics.All.ToDictionary(metric => metric.Name, metric => m.Metrics.TryGetValue(metric.Name, out var value)
                ? new AuditEstimate(value.Count, value.Mean, value.CiLow, value.CiHigh).ToEstimate()
                : new Estimate(0, double.NaN, double.NaN, double.NaN));
            return new MethodSummary(method, m.Approximate, metrics, null, null);
        }).ToList(),
        Accuracy = summary.Accuracy?.ToEstimate(),
        PairedWithFirst = new Dictionary<string, IReadOnlyDictionary<string, PairedDifference>>(),
    };

    private static void AppendOverview(StringBuilder page, AuditSummary summary)
    {
        var c = summary.Counts;
        page.Append("<section class=\"card\" id=\"overview\">\n<h2>Run</h2>\n<div class=\"stats\">\n");
        Stat(page, c.Cases.ToString(CultureInfo.InvariantCulture), "cases");
        Stat(page, c.Jobs.ToString(CultureInfo.InvariantCulture), "jobs (case × method)");
        Stat(page, c.Succeeded.ToString(CultureInfo.InvariantCulture), "succeeded");
        Stat(page, c.Failed.ToString(CultureInfo.InvariantCulture), "failed");
        Stat(page, summary.Accuracy is { Mean: { } mean } a ? $"{Percent(mean)} ({a.Count})" : "—", "exact-answer accuracy (jobs with an expected answer)");
        Stat(page, summary.Drift?.PreviousRunId ?? "none", "previous run");
        page.Append("</div>\n<p class=\"note\" style=\"margin-top:12px\">");
        page.Append(Encode($"Scheduled {summary.ScheduledAt:u}, summarised {summary.CompletedAt:u}. Methods: {string.Join(", ", summary.Methods)}. "
                           + $"Alignment: each job's map and the case's reference on a {ComparisonGrid.Default.Height}×{ComparisonGrid.Default.Width} grid over the image, as glimpse eval compares them. "
                           + "Intervals: 95% percentile bootstrap over cases. A failed job counts as failed; it is never left out."));
        page.Append("</p>\n</section>\n");
    }

    private static void AppendFailures(StringBuilder page, AuditSummary summary)
    {
        var failed = summary.Cases.Where(c => c.Status == JobStatus.Failed).ToList();
        if (failed.Count == 0) return;
        page.Append($"<section class=\"card\" id=\"failures\">\n<h2>Failed ({failed.Count})</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th>case</th><th>method</th><th>job</th><th>reason</th></tr></thead>\n<tbody>\n");
        foreach (var f in failed)
            page.Append($"<tr data-case=\"{Encode(f.CaseId)}\"><td>{Encode(f.CaseId)}</td><td>{Encode(f.Method)}</td><td>{Encode(f.JobId ?? "not submitted")}</td><td style=\"white-space:normal\">{Encode(f.Reason ?? "")}</td></tr>\n");
        page.Append("</tbody>\n</table></div>\n</section>\n");
    }

    private static void AppendDrift(StringBuilder page, AuditSummary summary, AuditDrift drift)
    {
        page.Append($"<section class=\"card\" id=\"drift\">\n<h2>Drift since {Encode(drift.PreviousRunId)}</h2>\n");
        page.Append($"<p class=\"note\">This run minus the previous one. Accuracy {Delta(drift.Accuracy, higherIsBetter: true, percent: true)}; failed jobs {Delta(drift.Failed, higherIsBetter: false)}. "
                    + "Changes against each metric's direction are red, with it green. Each mean is over the cases with a value in its own run, so a case that failed in one run is left out of that run's mean.</p>\n");
        var metrics = AuditMetrics.Alignment.Where(metric => drift.Metrics.Values.Any(m => m[metric.Name].Current is not null || m[metric.Name].Previous is not null)).ToList();
        if (metrics.Count > 0)
        {
            page.Append("<div class=\"scroll\"><table id=\"drift-table\">\n<thead><tr><th>method</th>");
            foreach (var metric in metrics) page.Append($"<th>{Encode(metric.Label)} {(metric.HigherIsBetter ? "↑" : "↓")}</th>");
            page.Append("</tr></thead>\n<tbody>\n");
            foreach (var (method, byMetric) in drift.Metrics)
            {
                page.Append($"<tr data-method=\"{Encode(method)}\"><td><span class=\"swatch\" style=\"background:{EvalHtmlReport.ColourOf(method)}\"></span>{Encode(method)}</td>");
                foreach (var metric in metrics)
                {
                    var d = byMetric[metric.Name];
                    string direction = d.Delta is not { } delta || delta == 0 ? "" : (delta > 0) == metric.HigherIsBetter ? " better" : " worse";
                    page.Append($"<td class=\"num{direction}\">{Number(d.Current)} <span class=\"interval\">({Signed(d.Delta)} from {Number(d.Previous)})</span></td>");
                }
                page.Append("</tr>\n");
            }
            page.Append("</tbody>\n</table></div>\n<div class=\"bars-grid\" style=\"margin-top:14px\">\n");
            foreach (var metric in metrics)
            {
                var bars = drift.Metrics.Select(m => new BarValue(m.Key, EvalHtmlReport.ColourOf(m.Key), m.Value[metric.Name].Delta ?? double.NaN, double.NaN, double.NaN)).ToList();
                page.Append($"<figure data-metric=\"{metric.Name}\"><figcaption>Δ {Encode(metric.Label)}<span class=\"direction\">{(metric.HigherIsBetter ? "↑ higher is better" : "↓ lower is better")}</span></figcaption>\n");
                page.Append(SvgCharts.Bars($"Change in {metric.Label}", bars));
                page.Append("</figure>\n");
            }
            page.Append("</div>\n");
        }
        page.Append($"<h3 id=\"answer-changes\">Answers that changed ({drift.AnswerChanges.Count})</h3>\n");
        if (drift.AnswerChanges.Count == 0)
        {
            page.Append("<p class=\"note\">Every case × method in both runs gave the same answer with the same outcome.</p>\n");
        }
        else
        {
            page.Append("<div class=\"scroll\"><table id=\"answer-changes-table\">\n<thead><tr><th>case</th><th>method</th><th>before</th><th>now</th></tr></thead>\n<tbody>\n");
            foreach (var change in drift.AnswerChanges)
                page.Append($"<tr data-case=\"{Encode(change.CaseId)}\"><td>{Encode(change.CaseId)}</td><td>{Encode(change.Method)}</td>"
                            + $"<td>{Answer(change.PreviousStatus, change.PreviousAnswer, change.PreviousCorrect)}</td><td>{Answer(change.Status, change.Answer, change.Correct)}</td></tr>\n");
            page.Append("</tbody>\n</table></div>\n");
        }
        page.Append("</section>\n");
    }

    private static void AppendCases(StringBuilder page, AuditSummary summary)
    {
        var columns = AuditMetrics.Alignment.Where(m => CaseColumns.Contains(m.Name)).ToList();
        page.Append("<section class=\"card\" id=\"cases\">\n<h2>Cases</h2>\n<div class=\"scroll\"><table id=\"cases-table\">\n<thead><tr><th>case</th><th>method</th><th>question</th><th>answer</th>");
        foreach (var metric in columns) page.Append($"<th>{Encode(metric.Label)}</th>");
        page.Append("<th>notes</th></tr></thead>\n<tbody>\n");
        foreach (var c in summary.Cases)
        {
            page.Append($"<tr data-case=\"{Encode(c.CaseId)}\" data-method=\"{Encode(c.Method)}\" data-status=\"{c.Status.ToString().ToLowerInvariant()}\">");
            page.Append($"<td>{Encode(c.CaseId)}</td><td>{Encode(c.Method)}</td><td style=\"white-space:normal\">{Encode(c.Question)}</td>");
            page.Append($"<td style=\"white-space:normal\">{Answer(c.Status, c.Answer, c.Correct)}{(c.ExpectedAnswer is { } expected && c.Correct == false ? $" <span class=\"interval\">expected “{Encode(expected)}”</span>" : "")}</td>");
            foreach (var metric in columns)
                page.Append($"<td class=\"num\">{(c.Metrics is { } values && values.TryGetValue(metric.Name, out var v) ? Number(v) : "")}</td>");
            var notes = c.Status == JobStatus.Failed ? [c.Reason ?? "failed", .. c.Notes] : c.Notes;
            page.Append($"<td style=\"white-space:normal\">{Encode(string.Join(" ", notes))}</td></tr>\n");
        }
        page.Append("</tbody>\n</table></div>\n</section>\n");
    }

    private static string Answer(JobStatus status, string? answer, bool? correct) => status == JobStatus.Failed
        ? "<span class=\"wrong\" style=\"color:#b91c1c\">failed</span>"
        : $"{Encode(answer ?? "")}{correct switch { true => " <span style=\"color:#15803d\">✓</span>", false => " <span style=\"color:#b91c1c\">✗</span>", null => "" }}";

    private static string Delta(AuditDelta delta, bool higherIsBetter, bool percent = false)
    {
        if (delta.Delta is not { } d) return $"{(percent ? Percent(delta.Current) : Number(delta.Current))} (no earlier value)";
        string text = percent ? $"{(d >= 0 ? "+" : "")}{(100 * d).ToString("0.#", CultureInfo.InvariantCulture)} points" : Signed(d);
        string colour = d == 0 ? "inherit" : (d > 0) == higherIsBetter ? "#15803d" : "#b91c1c";
        return $"<strong style=\"color:{colour}\">{text}</strong> (now {(percent ? Percent(delta.Current) : Number(delta.Current))})";
    }

    private static void Stat(StringBuilder page, string value, string label) =>
        page.Append($"<div class=\"stat\"><div class=\"value\">{Encode(value)}</div><div class=\"label\">{Encode(label)}</div></div>\n");

    private static string Number(double? value) => value is { } v ? SvgCharts.Label(v) : "—";

    private static string Signed(double? value) => value is { } v ? (v >= 0 ? "+" : "") + SvgCharts.Label(v) : "—";

    private static string Percent(double? fraction) => fraction is { } f ? (100 * f).ToString("0.#", CultureInfo.InvariantCulture) + "%" : "—";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
