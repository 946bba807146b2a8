using System.Globalization;
using System.Net;
using System.Text;
using Glimpse.Core.Methods;
using Glimpse.Core.Reports;

namespace Glimpse.Core.Evaluation;

/// <summary>
/// eval.html: one self-contained page (style and pictures inline, charts as inline SVG, no script, nothing fetched):
/// the run's setting and answer accuracy; a table of every metric per method (mean and 95% interval, the best mean
/// marked); the mean deletion and insertion curves per method with the random control; one bar chart per metric with
/// interval whiskers; the first method's item-paired differences from each other method; and a grid of example
/// overlays (image, reference, one overlay per method) for the first items. All text from the data is HTML-escaped.
/// </summary>
public static class EvalHtmlReport
{
    private static readonly string Style = EmbeddedText.PageStyle("Glimpse.Core.Evaluation.EvalHtmlReport.css");

    /// <summary>Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), one per method in the
    /// method table's order, so the same method has the same colour in every run.</summary>
    private static readonly string[] MethodColours = ["#0072B2", "#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#8C6D31"];
    private const string RandomColour = "#6b7280";

    /// <summary>Colours for method variants (<c>glimpse[depth_prior=off]</c>), chosen by a stable hash of the label so a
    /// variant, too, keeps its colour from run to run.</summary>
    private static readonly string[] VariantColours = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#1f78b4", "#b15928", "#6a3d9a", "#33a02c"];

    private static string Colour(string method)
    {
        int index = ExplainMethods.Names.ToList().IndexOf(method);
        if (index >= 0) return MethodColours[index % MethodColours.Length];
        uint hash = 2166136261;   // FNV-1a: string.GetHashCode differs from process to process
        foreach (char c in method) hash = (hash ^ c) * 16777619;
        return VariantColours[hash % (uint)VariantColours.Length];
    }

    /// <summary>The page's style (the shared theme and eval.html's rules), for other pages built from these sections (the audit report).</summary>
    public static string StyleSheet => Style;

    /// <summary>The colour a method has in every chart and table.</summary>
    public static string ColourOf(string method) => Colour(method);

    public static string Render(EvalRun run, EvalSummary summary)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(summary);
        var page = new StringBuilder();
        HtmlPage.AppendHead(page, $"Glimpse evaluation · {run.Model.Name} · {run.Items} items", Style);
        page.Append($"""
            <body data-items="{run.Items}" data-methods="{Encode(string.Join(" ", run.Options.Labels))}">
            <header class="top">
            <span class="brand">Glimpse evaluation</span>
            <span class="subtitle" title="{Encode(run.Data)}">{Encode(run.Data)}</span>
            <span class="badge">{Encode(run.Model.Name)}</span>
            <span class="badge subtle">{run.Items} items · {run.Options.Methods.Count} methods</span>
            </header>
            <main>

            """);
        AppendOverview(page, run, summary);
        AppendResultsTable(page, summary);
        if (run.Options.Faithfulness is not null) AppendCurves(page, summary);
        AppendMetricBars(page, summary);
        if (summary.PairedWithFirst.Count > 0) AppendPaired(page, run, summary);
        if (summary.AgreementWithFirst.Count > 0) AppendAgreement(page, run, summary);
        if (summary.ByTag.Count > 0) AppendByTag(page, summary);
        if (run.Examples.Count > 0) AppendExamples(page, run);
        page.Append("</main>\n<footer>Glimpse · summary schema ").Append(EvalSummaryJson.SchemaVersion)
            .Append(" · this page is self-contained and works offline; eval.csv and summary.json hold every number.</footer>\n</body>\n</html>\n");
        return page.ToString();
    }

    private static void AppendOverview(StringBuilder page, EvalRun run, EvalSummary summary)
    {
        var o = run.Options;
        page.Append("<section class=\"card\" id=\"overview\">\n<h2>Setting</h2>\n<div class=\"stats\">\n");
        Stat(page, run.Items.ToString(CultureInfo.InvariantCulture), "items");
        Stat(page, string.Join(", ", o.Labels), "methods");
        Stat(page, summary.Accuracy is { } a ? $"{Percent(a.Mean)} <span class=\"interval\">[{Percent(a.Low)}, {Percent(a.High)}]</span>" : "—",
            summary.Accuracy is { } b ? $"exact-answer accuracy ({b.Count} with an answer)" : "accuracy (no expected answers)", raw: true);
        Stat(page, $"{run.Seconds.ToString("0.#", CultureInfo.InvariantCulture)} s", "total time");
        Stat(page, $"{run.Model.ModelType} · {run.Model.DType} · {run.Model.Device}", "model");
        page.Append("</div>\n<p class=\"note\" style=\"margin-top:12px\">");
        page.Append(Encode($"Answers: greedy, at most {o.MaxNewTokens} tokens, once per item. Alignment: maps and references on a {o.Grid.Height}×{o.Grid.Width} grid over the original image; "
                           + "positive cells are those where the reference reaches half its maximum. Intervals: 95% percentile bootstrap over items."));
        if (o.Faithfulness is { } f)
            page.Append(Encode($" Faithfulness: score exp(mean log p) of the fixed answer; {f.Steps} steps over the image-token cells ranked by each map; "
                               + $"deletion to the processor's mean colour, insertion from a Gaussian blur (σ = {f.BlurSigmaCells.ToString(CultureInfo.InvariantCulture)} token cells); random order as control."));
        page.Append("</p>\n</section>\n");
    }

    /// <summary>The "Results" card: every metric with a value per method, mean and 95% interval, the best mean of each column marked.</summary>
    public static void AppendResultsTable(StringBuilder page, EvalSummary summary)
    {
        var metrics = EvalMetrics.All.Where(m => summary.Methods.Any(s => s.Metrics[m.Name].Count > 0)).ToList();
        page.Append("<section class=\"card\" id=\"results\">\n<h2>Results</h2>\n<p class=\"note\">Mean over items, 95% interval in brackets; ↑ higher is better, ↓ lower is better; the best mean of each column is marked.</p>\n");
        if (metrics.Count == 0)
        {
            page.Append("<p class=\"note\">No metric has a value: the items have no references and faithfulness was not measured.</p>\n</section>\n");
            return;
        }
        page.Append("<div class=\"scroll\"><table id=\"results-table\">\n<thead><tr><th>method</th>");
        foreach (var m in metrics) page.Append($"<th>{Encode(m.Label)} {(m.HigherIsBetter ? "↑" : "↓")}</th>");
        page.Append("</tr></thead>\n<tbody>\n");
        var best = metrics.ToDictionary(m => m.Name, m =>
        {
            // No mark when there is nothing to choose between (one method, or every mean equal).
            var means = summary.Methods.Select(s => s.Metrics[m.Name].Mean).Where(double.IsFinite).ToList();
            return means.Distinct().Count() < 2 ? double.NaN : m.HigherIsBetter ? means.Max() : means.Min();
        });
        foreach (var method in summary.Methods)
        {
            page.Append($"<tr data-method=\"{Encode(method.Method)}\"><td><span class=\"swatch\" style=\"background:{Colour(method.Method)}\"></span>{Encode(method.Method)}{(method.Approximate ? " <span class=\"interval\">(approximate)</span>" : "")}</td>");
            foreach (var m in metrics)
            {
                var e = method.Metrics[m.Name];
                bool isBest = e.Mean == best[m.Name];
                page.Append($"<td class=\"num{(isBest ? " best" : "")}\">{Cell(e)}</td>");
            }
            page.Append("</tr>\n");
        }
        if (summary.RandomControl is { } control)
        {
            page.Append($"<tr data-method=\"random\"><td><span class=\"swatch dashed\" style=\"background:{RandomColour}\"></span>random order (control)</td>");
            foreach (var m in metrics)
                page.Append($"<td class=\"num\">{(control.Metrics.TryGetValue("random_" + m.Name, out var e) ? Cell(e) : "")}</td>");
            page.Append("</tr>\n");
        }
        page.Append("</tbody>\n</table></div>\n</section>\n");
    }

    private static void AppendCurves(StringBuilder page, EvalSummary summary)
    {
        page.Append("<section class=\"card\" id=\"curves\">\n<h2>Deletion and insertion</h2>\n<p class=\"note\">The fixed answer's score as the top-ranked image-token cells are removed (left: a faithful map falls fast) or restored into a blurred image (right: a faithful map rises fast); mean over items.</p>\n<div class=\"curves\">\n");
        foreach (var (kind, title, xLabel) in new[] { ("deletion", "Deletion", "fraction of cells removed"), ("insertion", "Insertion", "fraction of cells restored") })
        {
            MeanCurve? Of(MethodSummary? m) => kind == "deletion" ? m?.Deletion : m?.Insertion;
            var series = new List<LineSeries>();
            foreach (var m in summary.Methods)
                if (Of(m) is { } curve) series.Add(new LineSeries(m.Method, Colour(m.Method), curve.Fractions, curve.Scores));
            if (Of(summary.RandomControl) is { } control) series.Add(new LineSeries("random order", RandomColour, control.Fractions, control.Scores, Dashed: true));
            page.Append($"<figure id=\"{kind}-curve\"><figcaption>{title}</figcaption>\n");
            page.Append(SvgCharts.Lines($"{title} curves", xLabel, "answer score exp(mean log p)", series));
            page.Append("</figure>\n");
        }
        page.Append("</div>\n<div class=\"legend\">");
        foreach (var m in summary.Methods) page.Append($"<span><span class=\"swatch\" style=\"background:{Colour(m.Method)}\"></span>{Encode(m.Method)}</span>");
        page.Append("<span><span class=\"swatch dashed\"></span>random order</span></div>\n</section>\n");
    }

    /// <summary>The "Metrics" card: one bar chart per metric with a value, interval whiskers, the random control where measured.</summary>
    public static void AppendMetricBars(StringBuilder page, EvalSummary summary)
    {
        var metrics = EvalMetrics.All.Where(m => summary.Methods.Any(s => s.Metrics[m.Name].Count > 0)).ToList();
        if (metrics.Count == 0) return;
        page.Append("<section class=\"card\" id=\"metric-bars\">\n<h2>Metrics</h2>\n<p class=\"note\">Bars are means, whiskers 95% intervals.</p>\n<div class=\"bars-grid\">\n");
        foreach (var m in metrics)
        {
            var bars = summary.Methods.Select(s => Bar(s.Method, Colour(s.Method), s.Metrics[m.Name])).ToList();
            if (summary.RandomControl is { } control && control.Metrics.TryGetValue("random_" + m.Name, out var random))
                bars.Add(Bar("random", RandomColour, random));
            page.Append($"<figure data-metric=\"{m.Name}\"><figcaption>{Encode(m.Label)}<span class=\"direction\">{(m.HigherIsBetter ? "↑ higher is better" : "↓ lower is better")}</span></figcaption>\n");
            page.Append(SvgCharts.Bars(m.Label, bars));
            page.Append("</figure>\n");
        }
        page.Append("</div>\n</section>\n");
    }

    private static void AppendPaired(StringBuilder page, EvalRun run, EvalSummary summary)
    {
        string first = run.Options.Labels[0];
        var metrics = EvalMetrics.All.Where(m => summary.PairedWithFirst.Values.Any(p => p[m.Name].Difference.Count > 0)).ToList();
        if (metrics.Count == 0) return;
        page.Append($"<section class=\"card\" id=\"paired\">\n<h2>{Encode(first)} against each other method</h2>\n");
        page.Append($"<p class=\"note\">Item by item: the mean of {Encode(first)} minus the other method, its 95% interval, and the share of items where {Encode(first)} is strictly better. An interval that excludes 0 on the better side is a clear win.</p>\n");
        page.Append("<div class=\"scroll\"><table id=\"paired-table\">\n<thead><tr><th>other method</th>");
        foreach (var m in metrics) page.Append($"<th>{Encode(m.Label)} {(m.HigherIsBetter ? "↑" : "↓")}</th>");
        page.Append("</tr></thead>\n<tbody>\n");
        foreach (var (other, byMetric) in summary.PairedWithFirst)
        {
            page.Append($"<tr data-method=\"{Encode(other)}\"><td><span class=\"swatch\" style=\"background:{Colour(other)}\"></span>{Encode(other)}</td>");
            foreach (var m in metrics)
            {
                var p = byMetric[m.Name];
                bool win = p.Difference.Count > 1 && (m.HigherIsBetter ? p.Difference.Low > 0 : p.Difference.High < 0);
                string share = double.IsFinite(p.FirstBetterShare) ? $" <span class=\"interval\">· {Percent(p.FirstBetterShare)} better</span>" : "";
                page.Append($"<td class=\"num{(win ? " best" : "")}\">{Cell(p.Difference)}{share}</td>");
            }
            page.Append("</tr>\n");
        }
        page.Append("</tbody>\n</table></div>\n</section>\n");
    }

    /// <summary>The "Cost and agreement" card: what each other method costs against the first, and how far its map moves.</summary>
    private static void AppendAgreement(StringBuilder page, EvalRun run, EvalSummary summary)
    {
        string first = run.Options.Labels[0];
        var seconds = summary.Methods.ToDictionary(m => m.Method, m => m.ExplainSeconds);
        page.Append($"<section class=\"card\" id=\"agreement\">\n<h2>Cost and agreement with {Encode(first)}</h2>\n");
        page.Append($"<p class=\"note\">Explain time per item (faithfulness not included); speed-up is {Encode(first)}'s mean time over the other's (above 1: the other is faster). Map correlation: Pearson's r of the two maps of each item on the comparison grid, mean over items with its 95% interval (1: the same map up to scale).</p>\n");
        page.Append("<div class=\"scroll\"><table id=\"agreement-table\">\n<thead><tr><th>method</th><th>seconds per item</th><th>speed-up</th><th>map correlation</th></tr></thead>\n<tbody>\n");
        page.Append($"<tr data-method=\"{Encode(first)}\"><td><span class=\"swatch\" style=\"background:{Colour(first)}\"></span>{Encode(first)}</td><td class=\"num\">{Seconds(seconds[first])}</td><td class=\"num\">1</td><td class=\"num\">1</td></tr>\n");
        foreach (var (other, agreement) in summary.AgreementWithFirst)
        {
            string speedUp = double.IsFinite(agreement.SpeedUp) ? agreement.SpeedUp.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "—";
            page.Append($"<tr data-method=\"{Encode(other)}\"><td><span class=\"swatch\" style=\"background:{Colour(other)}\"></span>{Encode(other)}</td>");
            page.Append($"<td class=\"num\">{Seconds(seconds[other])}</td><td class=\"num\">{speedUp}</td><td class=\"num\">{Cell(agreement.MapCorrelation)}</td></tr>\n");
        }
        page.Append("</tbody>\n</table></div>\n</section>\n");
    }

    /// <summary>The "By tag" card: the headline metrics per value of each tag with a few values (e.g. the question kind).</summary>
    private static void AppendByTag(StringBuilder page, EvalSummary summary)
    {
        var metrics = EvalMetrics.All.Where(m => EvalSummary.BreakdownMetrics.Contains(m.Name)
                                                 && summary.ByTag.Any(g => g.ByMethod.Values.Any(v => v[m.Name].Count > 0))).ToList();
        if (metrics.Count == 0) return;
        var labels = summary.Methods.Select(m => m.Method).ToList();
        page.Append("<section class=\"card\" id=\"by-tag\">\n<h2>By tag</h2>\n<p class=\"note\">The same metrics over the items carrying each value of a tag: mean and 95% interval; the best mean of each row marked.</p>\n");
        foreach (var m in metrics)
        {
            page.Append($"<h3>{Encode(m.Label)} {(m.HigherIsBetter ? "↑" : "↓")}</h3>\n<div class=\"scroll\"><table class=\"by-tag\" data-metric=\"{m.Name}\">\n<thead><tr><th>tag</th><th>items</th>");
            foreach (var label in labels) page.Append($"<th>{Encode(label)}</th>");
            page.Append("</tr></thead>\n<tbody>\n");
            foreach (var group in summary.ByTag)
            {
                var means = labels.Select(l => group.ByMethod[l][m.Name].Mean).Where(double.IsFinite).ToList();
                double best = means.Distinct().Count() < 2 ? double.NaN : m.HigherIsBetter ? means.Max() : means.Min();
                page.Append($"<tr data-tag=\"{Encode(group.Tag)}={Encode(group.Value)}\"><td>{Encode(group.Tag)}={Encode(group.Value)}</td><td class=\"num\">{group.Items}</td>");
                foreach (var label in labels)
                {
                    var e = group.ByMethod[label][m.Name];
                    page.Append($"<td class=\"num{(e.Mean == best ? " best" : "")}\">{Cell(e)}</td>");
                }
                page.Append("</tr>\n");
            }
            page.Append("</tbody>\n</table></div>\n");
        }
        page.Append("</section>\n");
    }

    private static string Seconds(Estimate? e) => e is { Count: > 0 } ? e.Mean.ToString("0.###", CultureInfo.InvariantCulture) + " s" : "—";

    private static void AppendExamples(StringBuilder page, EvalRun run)
    {
        bool references = run.Examples.Any(e => e.ReferenceJpeg is not null);
        page.Append("<section class=\"card\" id=\"examples\">\n<h2>Examples</h2>\n<p class=\"note\">Each method's map over the image (min-max normalised per map, viridis: brighter is more relevant).</p>\n");
        page.Append("<div class=\"scroll\"><table class=\"examples\">\n<thead><tr><th>item</th><th>image</th>");
        if (references) page.Append("<th>reference</th>");
        var labels = run.Options.Labels;
        foreach (var m in labels) page.Append($"<th>{Encode(m)}</th>");
        page.Append("</tr></thead>\n<tbody>\n");
        foreach (var e in run.Examples)
        {
            string verdict = e.ExpectedAnswer is null ? ""
                : AnswerMatching.Matches(e.Answer, e.ExpectedAnswer) ? " <span class=\"correct\">✓</span>"
                : $" <span class=\"wrong\">✗ expected “{Encode(e.ExpectedAnswer)}”</span>";
            page.Append($"<tr class=\"example\" data-item=\"{Encode(e.ItemId)}\"><td class=\"question\"><strong>{Encode(e.ItemId)}</strong><br>{Encode(e.Question)}<br><span class=\"answer\">→ {Encode(e.Answer)}</span>{verdict}</td>");
            page.Append($"<td>{Image(e.ImageJpeg, "the image")}</td>");
            if (references) page.Append($"<td>{(e.ReferenceJpeg is { } r ? Image(r, "the reference") : "")}</td>");
            foreach (var m in labels)
                page.Append($"<td>{(e.OverlayJpegs.TryGetValue(m, out var o) ? Image(o, $"{m} map") : "")}</td>");
            page.Append("</tr>\n");
        }
        page.Append("</tbody>\n</table></div>\n</section>\n");
    }

    private static BarValue Bar(string name, string colour, Estimate e) => new(name, colour, e.Mean, e.Low, e.High);

    private static string Cell(Estimate e) => e.Count == 0
        ? ""
        : $"{SvgCharts.Label(e.Mean)} <span class=\"interval\">[{SvgCharts.Label(e.Low)}, {SvgCharts.Label(e.High)}]</span>";

    private static void Stat(StringBuilder page, string value, string label, bool raw = false) =>
        page.Append($"<div class=\"stat\"><div class=\"value\">{(raw ? value : Encode(value))}</div><div class=\"label\">{Encode(label)}</div></div>\n");

    private static string Image(byte[] jpeg, string alt) => $"<img alt=\"{Encode(alt)}\" src=\"data:image/jpeg;base64,{Convert.ToBase64String(jpeg)}\">";

    private static string Percent(double fraction) => double.IsFinite(fraction) ? (100 * fraction).ToString("0.#", CultureInfo.InvariantCulture) + "%" : "—";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
