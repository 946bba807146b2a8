using System.Globalization;
using System.Net;
using System.Text;

namespace Glimpse.Core.Evaluation;

/// <summary>A line of a <see cref="SvgCharts.Lines"/> chart.</summary>
public sealed record LineSeries(string Name, string Colour, double[] X, double[] Y, bool Dashed = false);

/// <summary>A bar of a <see cref="SvgCharts.Bars"/> chart: a value with its interval (NaN: no value).</summary>
public sealed record BarValue(string Name, string Colour, double Value, double Low, double High);

/// <summary>
/// Plain inline SVG charts for eval.html: no script, no fonts or libraries fetched; every mark has a &lt;title&gt; so the
/// browser shows its exact value on hover. Sizes are in SVG units and scale with the page (viewBox).
/// </summary>
public static class SvgCharts
{
    private const string Axis = "#94a3b8", Grid = "#e2e8f0", Ink = "#334155";

    /// <summary>Lines over x ∈ [0, 1], y from 0 to a rounded maximum.</summary>
    public static string Lines(string title, string xLabel, string yLabel, IReadOnlyList<LineSeries> series)
    {
        const int width = 520, height = 300, left = 58, right = 16, top = 16, bottom = 44;
        double yMax = NiceCeiling(series.SelectMany(s => s.Y).Where(double.IsFinite).DefaultIfEmpty(1).Max());
        double X(double x) => left + x * (width - left - right);
        double Y(double y) => height - bottom - y / yMax * (height - top - bottom);

        var svg = new StringBuilder();
        svg.Append($"<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{Encode(title)}\" xmlns=\"http://www.w3.org/2000/svg\">\n");
        svg.Append($"<title>{Encode(title)}</title>\n");
        for (int i = 0; i <= 5; i++)
        {
            double fraction = i / 5.0, value = yMax * i / 5;
            svg.Append($"<line x1=\"{F(X(0))}\" x2=\"{F(X(1))}\" y1=\"{F(Y(value))}\" y2=\"{F(Y(value))}\" stroke=\"{Grid}\"/>");
            svg.Append($"<text x=\"{F(left - 6)}\" y=\"{F(Y(value) + 4)}\" text-anchor=\"end\" class=\"tick\">{Label(value)}</text>");
            svg.Append($"<line x1=\"{F(X(fraction))}\" x2=\"{F(X(fraction))}\" y1=\"{F(Y(0))}\" y2=\"{F(Y(0) + 4)}\" stroke=\"{Axis}\"/>");
            svg.Append($"<text x=\"{F(X(fraction))}\" y=\"{F(Y(0) + 17)}\" text-anchor=\"middle\" class=\"tick\">{Label(fraction)}</text>\n");
        }
        svg.Append($"<line x1=\"{F(X(0))}\" x2=\"{F(X(1))}\" y1=\"{F(Y(0))}\" y2=\"{F(Y(0))}\" stroke=\"{Axis}\"/>");
        svg.Append($"<line x1=\"{F(X(0))}\" x2=\"{F(X(0))}\" y1=\"{F(Y(0))}\" y2=\"{F(Y(yMax))}\" stroke=\"{Axis}\"/>\n");
        svg.Append($"<text x=\"{F(X(0.5))}\" y=\"{height - 6}\" text-anchor=\"middle\" class=\"axis-label\">{Encode(xLabel)}</text>");
        svg.Append($"<text transform=\"translate(14 {F(Y(yMax / 2))}) rotate(-90)\" text-anchor=\"middle\" class=\"axis-label\">{Encode(yLabel)}</text>\n");
        foreach (var s in series)
        {
            var points = s.X.Zip(s.Y).Where(p => double.IsFinite(p.Second)).ToList();
            if (points.Count == 0) continue;
            string path = string.Join(' ', points.Select(p => $"{F(X(p.First))},{F(Y(p.Second))}"));
            svg.Append($"<g class=\"series\" data-series=\"{Encode(s.Name)}\"><title>{Encode(s.Name)}</title>");
            svg.Append($"<polyline points=\"{path}\" fill=\"none\" stroke=\"{s.Colour}\" stroke-width=\"2.2\"{(s.Dashed ? " stroke-dasharray=\"6 4\"" : "")}/>");
            foreach (var (x, y) in points)
                svg.Append($"<circle cx=\"{F(X(x))}\" cy=\"{F(Y(y))}\" r=\"2.6\" fill=\"{s.Colour}\"><title>{Encode(s.Name)}: {Label(x)} → {Label(y)}</title></circle>");
            svg.Append("</g>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Horizontal bars from 0 to each value, with the interval as a whisker; the axis spans 0 and every interval.</summary>
    public static string Bars(string title, IReadOnlyList<BarValue> bars)
    {
        const int width = 340, row = 26, left = 104, right = 62, top = 8, bottom = 24;
        int height = top + bottom + row * bars.Count;
        var finite = bars.SelectMany(b => new[] { b.Value, b.Low, b.High }).Where(double.IsFinite).DefaultIfEmpty(0).ToList();
        double min = finite.Min(), max = finite.Max();
        double low = min < 0 ? -NiceCeiling(-min) : 0, high = max > 0 ? NiceCeiling(max) : low < 0 ? 0 : 1;
        double X(double v) => left + (v - low) / (high - low) * (width - left - right);

        var svg = new StringBuilder();
        svg.Append($"<svg class=\"chart bars\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{Encode(title)}\" xmlns=\"http://www.w3.org/2000/svg\">\n");
        svg.Append($"<title>{Encode(title)}</title>\n");
        svg.Append($"<line x1=\"{F(X(0))}\" x2=\"{F(X(0))}\" y1=\"{top}\" y2=\"{height - bottom}\" stroke=\"{Axis}\"/>");
        foreach (double tick in new[] { low, high }.Distinct())
            svg.Append($"<text x=\"{F(X(tick))}\" y=\"{height - 8}\" text-anchor=\"middle\" class=\"tick\">{Label(tick)}</text>");
        svg.Append('\n');
        for (int i = 0; i < bars.Count; i++)
        {
            var bar = bars[i];
            double middle = top + row * i + row / 2.0;
            svg.Append($"<g class=\"bar\" data-series=\"{Encode(bar.Name)}\"><title>{Encode(bar.Name)}: {Describe(bar)}</title>");
            svg.Append($"<text x=\"{left - 8}\" y=\"{F(middle + 4)}\" text-anchor=\"end\" class=\"bar-label\">{Encode(bar.Name)}</text>");
            if (double.IsFinite(bar.Value))
            {
                double a = X(Math.Min(0, bar.Value)), b = X(Math.Max(0, bar.Value));
                svg.Append($"<rect x=\"{F(a)}\" y=\"{F(middle - 8)}\" width=\"{F(Math.Max(b - a, 0.8))}\" height=\"16\" rx=\"3\" fill=\"{bar.Colour}\" fill-opacity=\"0.85\"/>");
                if (double.IsFinite(bar.Low) && double.IsFinite(bar.High))
                {
                    svg.Append($"<line x1=\"{F(X(bar.Low))}\" x2=\"{F(X(bar.High))}\" y1=\"{F(middle)}\" y2=\"{F(middle)}\" stroke=\"{Ink}\" stroke-width=\"1.4\"/>");
                    foreach (double end in new[] { bar.Low, bar.High })
                        svg.Append($"<line x1=\"{F(X(end))}\" x2=\"{F(X(end))}\" y1=\"{F(middle - 5)}\" y2=\"{F(middle + 5)}\" stroke=\"{Ink}\" stroke-width=\"1.4\"/>");
                }
                svg.Append($"<text x=\"{width - right + 6}\" y=\"{F(middle + 4)}\" class=\"bar-value\">{Label(bar.Value)}</text>");
            }
            else
            {
                svg.Append($"<text x=\"{F(X(0) + 6)}\" y=\"{F(middle + 4)}\" class=\"bar-missing\">no value</text>");
            }
            svg.Append("</g>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>How tooltips and tables write a mean with its interval.</summary>
    public static string Describe(BarValue bar) => !double.IsFinite(bar.Value)
        ? "no value"
        : double.IsFinite(bar.Low) ? $"{Label(bar.Value)} [{Label(bar.Low)}, {Label(bar.High)}]" : Label(bar.Value);

    /// <summary>Three significant digits, invariant culture.</summary>
    public static string Label(double value) => value.ToString("G3", CultureInfo.InvariantCulture);

    /// <summary>The smallest of 1, 2, 2.5, 5 times a power of ten at or above a positive value; 1 for anything else.</summary>
    internal static double NiceCeiling(double value)
    {
        if (!(value > 0) || !double.IsFinite(value)) return 1;
        double power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (double step in new[] { 1, 2, 2.5, 5 })
            if (step * power >= value * (1 - 1e-12)) return step * power;
        return 10 * power;
    }

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
