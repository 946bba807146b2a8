using System.Text.RegularExpressions;
using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Core.Reports;
using Glimpse.Core.Results;

namespace Glimpse.Explain.Tests.Report;

/// <summary>
/// The report in a real browser: its elements are there, its script ran without errors, and it looks right (the
/// screenshots land in report-output/ beside the test binaries, for a person to look at).
/// </summary>
public class HtmlReportBrowserTests
{
    private static string WriteReport(string name, ExplanationResult result)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "report-output", name);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        return ReportWriter.Write(folder, result, SampleResults.Photo(), MapNormalization.MinMax).ReportHtml;
    }

    private static void NoScriptErrors(string log) =>
        Assert.False(log.Contains("Uncaught", StringComparison.Ordinal), $"the page's script failed:\n{log}");

    private static int Count(string dom, string pattern) => Regex.Matches(dom, pattern).Count;

    [Fact]
    public void TheReportIsWiredUpInABrowser()
    {
        var result = SampleResults.Glimpse();
        var (dom, log) = HeadlessChromium.DumpDom(WriteReport("glimpse", result));
        NoScriptErrors(log);

        // The script ran to its end and selected the response-level map.
        Assert.Matches("<body[^>]* data-ready=\"1\"", dom);
        Assert.Matches("<body[^>]* data-selected-map=\"response\"", dom);
        Assert.Matches("<img id=\"overlay\"[^>]* src=\"data:image/png;base64,", dom);
        Assert.Matches("<img id=\"original\"[^>]* src=\"data:image/jpeg;base64,", dom);
        Assert.Matches("<input type=\"range\" id=\"opacity\"", dom);
        Assert.Matches($"<output id=\"opacity-value\" for=\"opacity\">{HtmlReport.InitialOpacityPercent}%</output>", dom);
        // The switcher: the whole answer plus one button per answer token, the first pressed.
        Assert.Contains("id=\"map-switcher\"", dom);
        Assert.Equal(1 + result.AnswerTokens.Count, Count(dom, "<button type=\"button\" data-map=\""));
        Assert.Matches("data-map=\"response\" aria-pressed=\"true\"", dom);
        // Answer tokens carry their weights and a map; question tokens their saliency; the image run is one chip.
        Assert.Equal(result.AnswerTokens.Count, Count(dom, "class=\"tok answer\"[^>]* data-relevance=\"[0-9.]+\""));
        Assert.Matches("data-index=\"3\" data-relevance=\"0.52\" data-visual-weight=\"0.91\" data-prompt-weight=\"0.09\" data-probability=\"0.93\"", dom);
        Assert.Equal(6, Count(dom, "class=\"tok question\"[^>]* data-saliency=\""));
        Assert.Contains(">image × 16</span>", dom);
        Assert.Matches("class=\"tok template\" data-role=\"template\">USER<", dom);
        // The question is user input: its markup is shown as text, never run.
        Assert.DoesNotContain("<script>alert", dom);
        Assert.DoesNotContain("<b>big</b>", dom);
        Assert.Contains("&lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; co", dom);
        Assert.Equal(2, Count(dom, "<script"));
        // How it was computed.
        Assert.Contains("id=\"details\"", dom);
        Assert.Contains("3.0 GiB", dom);
        Assert.Contains("<td>head_weighting</td><td>gradient</td>", dom);
        Assert.Contains("&lt;and&gt; was reweighted", dom);
        Assert.DoesNotContain("approximate-badge", dom);
    }

    [Fact]
    public void ALinkCanOpenOneAnswerTokensMap()
    {
        var (dom, log) = HeadlessChromium.DumpDom(WriteReport("glimpse-linked", SampleResults.Glimpse()), "#map=3");
        NoScriptErrors(log);
        Assert.Matches("<body[^>]* data-selected-map=\"3\"", dom);
        Assert.Matches("data-map=\"3\" aria-pressed=\"true\"", dom);
        Assert.Matches("data-map=\"response\" aria-pressed=\"false\"", dom);
        Assert.Matches("class=\"tok answer selected\"[^>]* data-index=\"3\"", dom);
        Assert.Contains("Token 4 of 5, “red”", dom);
    }

    [Fact]
    public void AnApproximateResultSaysSoAndWithoutPerTokenMapsThereIsNoSwitcher()
    {
        var (dom, log) = HeadlessChromium.DumpDom(WriteReport("approximate", SampleResults.Glimpse(approximate: true, perTokenMaps: false)));
        NoScriptErrors(log);
        Assert.Matches("<body[^>]* data-ready=\"1\"", dom);
        Assert.Contains("id=\"approximate-badge\"", dom);
        Assert.Contains("<strong>Approximate.</strong>", dom);
        Assert.DoesNotContain("id=\"map-switcher\"", dom);
        Assert.DoesNotContain("data-map=\"", dom);
    }

    /// <summary>The sample answer over two grids (a coarse base and a finer grid over the left half) after a CLS token.</summary>
    private static ExplanationResult TwoGrids(bool perTokenMaps)
    {
        var layout = SampleResults.TwoGrids(leadingUnplaced: 1);
        // Each grid peaks somewhere else: the base at the ball (right), the high-res grid at its own top-left.
        double[] Values(double scale) => Enumerable.Range(0, layout.TokenCount).Select(k => k == 0 ? SampleResults.ClsValue
            : layout.CellOf(k) is { } cell ? scale * (cell.Grid == 0 ? cell.Column * cell.Row : 1.0 / (1 + cell.Row + cell.Column)) : 0).ToArray();
        var perToken = perTokenMaps ? Enumerable.Range(1, 5).Select(t => new ImageTokenMap(layout, Values(t))).ToList() : null;
        return SampleResults.WithImageMap(SampleResults.Glimpse(), new ImageTokenMap(layout, Values(1)), perToken);
    }

    [Fact]
    public void WithTwoGridsTheReaderSwitchesBetweenTheComposedMapAndEachGridAlone()
    {
        var result = TwoGrids(perTokenMaps: true);
        var (dom, log) = HeadlessChromium.DumpDom(WriteReport("two-grids", result), "#map=grid-1");
        NoScriptErrors(log);
        Assert.Matches("<body[^>]* data-ready=\"1\"", dom);
        // The grids are listed, and the CLS token is named with its value: it has no cell, so it is not drawn.
        Assert.Contains("grid 'base' 5×6 cells of 4 px: 30 cells", dom);
        Assert.Contains("grid 'high-res' 10×6 cells of 4 px: 60 cells", dom);
        Assert.Contains("1 image token with no cell, not drawn: token 0 value 0.625", dom);
        Assert.Contains("91 image tokens: 2 grids", dom);
        // The grid switch: composed, then each grid alone; the link opened the high-res grid alone.
        Assert.Contains("id=\"grid-switcher\"", dom);
        Assert.Equal(1 + result.AnswerTokens.Count + 3, Count(dom, "<button type=\"button\" data-map=\""));
        Assert.Matches("<body[^>]* data-selected-map=\"grid-1\"", dom);
        Assert.Matches("data-map=\"grid-1\" aria-pressed=\"true\">high-res alone<", dom);
        Assert.Matches("data-map=\"grid-0\" aria-pressed=\"false\">base alone<", dom);
        Assert.Equal(2, Count(dom, "data-map=\"response\" aria-pressed=\"false\""));
        Assert.Contains("Grid high-res alone (10×6 cells)", dom);
        // Each grid alone has its own picture (the maps' order: grid-0, grid-1, then the tokens', whose first is the
        // composed map scaled, so the same picture as the composed one).
        var sources = Regex.Matches(dom, "\"src\":\"(data:image/png;base64,[^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2 + result.AnswerTokens.Count, sources.Count);
        Assert.Equal(3, sources.Take(3).Distinct().Count());
    }

    [Fact]
    public void WithOneGridThereIsNoGridSwitch()
    {
        var (dom, _) = HeadlessChromium.DumpDom(WriteReport("one-grid", SampleResults.Glimpse(cls: true)));
        Assert.DoesNotContain("id=\"grid-switcher\"", dom);
        Assert.Contains("grid 'image' 4×4 cells of 8 px: 16 cells", dom);
        Assert.Contains($"1 image token with no cell, not drawn: token 0 value {SampleResults.ClsValue}", dom);
    }

    [Fact]
    public void ScreenshotsShowThePage()
    {
        foreach (var (name, result) in new[] { ("glimpse", SampleResults.Glimpse()), ("approximate", SampleResults.Glimpse(true, false)), ("two-grids", TwoGrids(perTokenMaps: false)) })
        {
            string page = WriteReport($"screenshot-{name}", result);
            string png = Path.Combine(Path.GetDirectoryName(page)!, "screenshot.png");
            NoScriptErrors(HeadlessChromium.Screenshot(page, png, 1280, 900));
            var shot = RgbImage.Decode(File.ReadAllBytes(png));
            Assert.Equal((1280, 900), (shot.Width, shot.Height));
            // Not a blank page: the viewer's photo and map put many distinct colours on it.
            var colours = new HashSet<int>();
            for (int i = 0; i < shot.Pixels.Length; i += 3 * 97) colours.Add(shot.Pixels[i] << 16 | shot.Pixels[i + 1] << 8 | shot.Pixels[i + 2]);
            Assert.True(colours.Count > 50, $"the screenshot has only {colours.Count} colours");
        }
    }
}
