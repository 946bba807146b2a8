using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Core.Rendering;
using Glimpse.Core.Results;
using SkiaSharp;

namespace Glimpse.Core.Reports;

/// <summary>
/// report.html: one self-contained page (style, script and images inline, nothing fetched) that shows an explanation
/// to a person:
/// <list type="bullet">
/// <item>the image with the map laid over it, an opacity slider, and a switch between the response-level map and each
/// answer token's map (clicking an answer token selects its map too); the grids the image tokens lie on, and, when
/// there are several, a switch between the composed map and each grid alone; the image tokens that have no cell, with
/// their values (they are not drawn);</item>
/// <item>the prompt as the model read it: question tokens tinted by their saliency, template tokens dimmed, the image
/// placeholders folded into one chip;</item>
/// <item>the answer, each token tinted by its joint relevance γ, with γ, β^V, β^P and p on hover and in a table;</item>
/// <item>how it was computed: method (with an "approximate" badge and banner for the fast mode), model, options,
/// timings, peak memory, warnings.</item>
/// </list>
/// All text from the result (the question is user input) is HTML-escaped; the script reads its data from a JSON block
/// and sets text with textContent only.
/// </summary>
public static class HtmlReport
{
    /// <summary>The overlay's opacity, in percent, when the page opens.</summary>
    public const int InitialOpacityPercent = 70;

    private const int OriginalJpegQuality = 92;
    private static readonly string Style = EmbeddedText.PageStyle("Glimpse.Core.Reports.HtmlReport.css");
    private static readonly string Script = EmbeddedText.Read("Glimpse.Core.Reports.HtmlReport.js");
    private static readonly JsonSerializerOptions DataOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private const string ResponseCaption = "Whole answer: the response-level map, each answer token's own map weighted by its visual weight β^V.";
    // Highlights: amber for the question's saliency, indigo for the answer's relevance; the alpha caps keep text legible.
    private static readonly (byte R, byte G, byte B, double MaxAlpha) QuestionTint = (245, 158, 11, 0.7), AnswerTint = (99, 102, 241, 0.5);

    /// <summary>Renders the page.</summary>
    /// <param name="original">The image to show; embedded as JPEG, so pass a display-sized copy of a large photo.</param>
    /// <param name="overlayPng">The response-level map as a PNG of exactly <paramref name="original"/>'s size, drawn over it
    /// at the slider's opacity: a colour layer such as <see cref="HeatmapRenderer.ColorLayerPng"/> gives (transparent where
    /// the map is low or the model did not see the image).</param>
    /// <param name="perTokenOverlays">One such PNG per answer token, for <see cref="ExplanationResult.PerTokenMaps"/>; null for none.</param>
    /// <param name="mode">How the overlays were normalised, for the legend's values.</param>
    /// <param name="gridOverlays">One such PNG per grid of the layout, each grid's part of the response-level map alone
    /// (<see cref="HeatmapRenderer.ColorLayerPng"/> with its grid); null for none (a single grid is the composed map).</param>
    public static string Render(ExplanationResult result, RgbImage original, byte[] overlayPng,
        IReadOnlyList<byte[]>? perTokenOverlays = null, MapNormalization mode = MapNormalization.MinMax, IReadOnlyList<byte[]>? gridOverlays = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(overlayPng);
        RequireSameSize(overlayPng, original, nameof(overlayPng));
        if (perTokenOverlays is not null)
        {
            if (result.PerTokenMaps is null || perTokenOverlays.Count != result.PerTokenMaps.Count || perTokenOverlays.Count != result.AnswerTokens.Count)
                throw new ArgumentException(
                    $"{perTokenOverlays.Count} per-token overlays for {result.AnswerTokens.Count} answer tokens and {result.PerTokenMaps?.Count ?? 0} per-token maps",
                    nameof(perTokenOverlays));
            foreach (var png in perTokenOverlays) RequireSameSize(png, original, nameof(perTokenOverlays));
        }
        if (gridOverlays is not null)
        {
            if (gridOverlays.Count != result.ImageMap.Layout.Grids.Count)
                throw new ArgumentException($"{gridOverlays.Count} grid overlays for {result.ImageMap.Layout.Grids.Count} grids", nameof(gridOverlays));
            foreach (var png in gridOverlays) RequireSameSize(png, original, nameof(gridOverlays));
        }
        bool switchable = perTokenOverlays is not null;

        var page = new StringBuilder();
        HtmlPage.AppendHead(page, $"Glimpse · {result.Question}", Style);
        page.Append($"""
            <body data-method="{Encode(result.Method)}" data-approximate="{(result.Approximate ? "true" : "false")}">

            """);
        AppendHeader(page, result);
        page.Append("<main class=\"layout\">\n<div class=\"column\">\n");
        AppendViewer(page, result, original, overlayPng, switchable, gridOverlays is not null, mode);
        page.Append("</div>\n<div class=\"column\">\n");
        AppendPrompt(page, result);
        AppendAnswer(page, result, switchable);
        AppendDetails(page, result, mode);
        page.Append("</div>\n</main>\n");
        page.Append($"<footer>Glimpse · result schema {Encode(result.SchemaVersion)} · this page is self-contained and works offline.</footer>\n");
        AppendData(page, result, perTokenOverlays, gridOverlays, mode);
        page.Append($"<script>\n{Script}</script>\n</body>\n</html>\n");
        return page.ToString();
    }

    private static void AppendHeader(StringBuilder page, ExplanationResult result)
    {
        page.Append("<header class=\"top\">\n<span class=\"brand\">Glimpse</span>\n");
        page.Append($"<span class=\"question-title\" title=\"{Encode(result.Question)}\">{Encode(result.Question)}</span>\n");
        page.Append($"<span class=\"badge\">{Encode(result.Method)}</span>\n");
        if (result.Approximate) page.Append("<span class=\"badge approximate\" id=\"approximate-badge\">approximate</span>\n");
        page.Append($"<span class=\"badge subtle\">{Encode(result.Model.Name)}</span>\n</header>\n");
        if (result.Approximate)
            page.Append("<div class=\"banner\" role=\"note\"><strong>Approximate.</strong> This explanation was computed in the fast mode "
                        + "(one gradient for all answer tokens instead of one per token). It approximates GLIMPSE; it is not the method.</div>\n");
    }

    private static void AppendViewer(StringBuilder page, ExplanationResult result, RgbImage original, byte[] overlayPng, bool switchable,
        bool gridSwitchable, MapNormalization mode)
    {
        var (low, high) = MapComposer.Field(result.ImageMap).ValueRange(mode);
        string ratio = $"{original.Width} / {original.Height}";
        page.Append($"""
            <section class="card viewer">
            <h2>What the answer looked at</h2>
            <div class="stack" id="stack" style="aspect-ratio: {ratio}; width: min(100%, calc(68vh * {ratio}))">
            <img id="original" class="original" alt="the image" src="data:image/jpeg;base64,{Convert.ToBase64String(SkiaImages.Jpeg(original, OriginalJpegQuality))}">
            <img id="overlay" class="overlay" alt="relevance map over the image" src="data:image/png;base64,{Convert.ToBase64String(overlayPng)}">
            </div>
            <div class="controls">
            <label for="opacity">Map opacity</label>
            <input type="range" id="opacity" min="0" max="100" step="1" value="{InitialOpacityPercent}">
            <output id="opacity-value" for="opacity">{InitialOpacityPercent}%</output>
            </div>
            <div class="legend">
            <span id="legend-low">{Encode(ColorBar.FormatValue(low))}</span>
            <div class="bar" style="background: {LegendGradient()}"></div>
            <span id="legend-high">{Encode(ColorBar.FormatValue(high))}</span>
            </div>
            <div class="legend-note">{Encode(ColorBar.Caption(mode))} · {Colormap.Name} · {Encode(ImageTokenLayoutText.Describe(result.ImageMap.Layout))}</div>

            """);
        AppendLayout(page, result.ImageMap);
        if (gridSwitchable)
        {
            page.Append("<div class=\"map-switcher\" id=\"grid-switcher\" role=\"group\" aria-label=\"Which grid to show\">\n");
            page.Append("<button type=\"button\" data-map=\"response\" aria-pressed=\"true\">All grids, composed</button>\n");
            var grids = result.ImageMap.Layout.Grids;
            for (int g = 0; g < grids.Count; g++)
                page.Append($"<button type=\"button\" data-map=\"{GridMapId(g)}\" aria-pressed=\"false\">{Encode(grids[g].Name)} alone</button>\n");
            page.Append("</div>\n");
        }
        if (switchable)
        {
            page.Append("<div class=\"map-switcher\" id=\"map-switcher\" role=\"group\" aria-label=\"Which map to show\">\n");
            page.Append("<button type=\"button\" data-map=\"response\" aria-pressed=\"true\">Whole answer</button>\n");
            for (int t = 0; t < result.AnswerTokens.Count; t++)
                page.Append($"<button type=\"button\" data-map=\"{t}\" aria-pressed=\"false\">{Encode(DisplayText(result.AnswerTokens[t].Text).Trim())}</button>\n");
            page.Append("</div>\n");
        }
        page.Append($"<p class=\"map-caption\" id=\"map-caption\">{Encode(ResponseCaption)}</p>\n</section>\n");
    }

    /// <summary>The grids the image tokens lie on, and the tokens with no cell (not drawn) with their values.</summary>
    private static void AppendLayout(StringBuilder page, ImageTokenMap map)
    {
        var layout = map.Layout;
        page.Append("<ul class=\"grids\" id=\"grids\">\n");
        foreach (var grid in layout.Grids)
            page.Append($"<li data-grid=\"{Encode(grid.Name)}\">grid {Encode(ImageTokenLayoutText.Describe(grid))}: {grid.CellCount} cells</li>\n");
        page.Append("</ul>\n");
        if (layout.UnplacedTokens.Count == 0) return;
        int count = layout.UnplacedTokens.Count;
        page.Append($"<p class=\"hint\" id=\"unplaced\">{count} image token{(count == 1 ? "" : "s")} with no cell, not drawn: ");
        page.Append(string.Join(", ", layout.UnplacedTokens.Select(k => $"token {k} value {Number(map.Values[k])}")));
        page.Append(".</p>\n");
    }

    private static string GridMapId(int grid) => $"grid-{grid.ToString(CultureInfo.InvariantCulture)}";

    private static void AppendPrompt(StringBuilder page, ExplanationResult result)
    {
        double strongest = result.PromptTokens.Where(t => t.Role == "question").Select(t => t.Saliency ?? 0).DefaultIfEmpty(0).Max();
        page.Append("<section class=\"card\">\n<h2>Question</h2>\n<p class=\"tokens prompt\" id=\"prompt-tokens\">");
        var tokens = result.PromptTokens;
        for (int i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.Role == "image")
            {
                // The image placeholders are the map shown on the left; one chip stands for the whole run.
                int run = 1;
                while (i + run < tokens.Count && tokens[i + run].Role == "image") run++;
                string count = run == 1 ? "1 image token" : $"{run} image tokens";
                page.Append($"<span class=\"tok image\" data-role=\"image\" data-tip=\"{count}: the map on the left\" tabindex=\"0\">image × {run}</span>");
                i += run - 1;
            }
            else if (token.Role == "question")
            {
                string tip = token.Saliency is { } s ? $"saliency {Number(s)}" : "no saliency";
                AppendToken(page, token.Text, "tok question", $"data-role=\"question\" data-saliency=\"{RoundTrip(token.Saliency)}\" data-tip=\"{tip}\" tabindex=\"0\"",
                    Tint(QuestionTint, token.Saliency ?? 0, strongest));
            }
            else
            {
                AppendToken(page, token.Text, "tok template", $"data-role=\"{Encode(token.Role)}\"", null);
            }
        }
        page.Append("</p>\n<p class=\"hint\">Tint: how much the answer rests on each question token (hover for the value). Dimmed: template text the model also read.</p>\n</section>\n");
    }

    private static void AppendAnswer(StringBuilder page, ExplanationResult result, bool switchable)
    {
        double strongest = result.AnswerTokens.Select(t => t.Relevance).DefaultIfEmpty(0).Max();
        page.Append("<section class=\"card\">\n<h2>Answer</h2>\n<p class=\"tokens answer\" id=\"answer-tokens\">");
        for (int t = 0; t < result.AnswerTokens.Count; t++)
        {
            var token = result.AnswerTokens[t];
            string attributes = $"data-index=\"{t}\" data-relevance=\"{RoundTrip(token.Relevance)}\" data-visual-weight=\"{RoundTrip(token.VisualWeight)}\" "
                                + $"data-prompt-weight=\"{RoundTrip(token.PromptWeight)}\" data-probability=\"{RoundTrip(token.Probability)}\" "
                                + $"data-tip=\"{Encode(AnswerTip(token))}\" tabindex=\"0\"";
            if (switchable) attributes += $" data-map=\"{t}\" role=\"button\" aria-label=\"show the map of token {t + 1}\"";
            AppendToken(page, token.Text, "tok answer", attributes, Tint(AnswerTint, token.Relevance, strongest));
        }
        page.Append("</p>\n<p class=\"hint\">Tint: each token's joint relevance γ (how much it carries both visual and question evidence). Hover for γ, β^V (its weight in the image map), β^P and p"
                    + (switchable ? "; click a token to see its own map." : ".") + "</p>\n");

        page.Append("<details>\n<summary>Token weights</summary>\n<table class=\"weights\">\n<thead><tr><th>token</th><th>γ</th><th></th><th>β^V</th><th>β^P</th><th>p</th></tr></thead>\n<tbody>\n");
        foreach (var token in result.AnswerTokens)
        {
            double share = strongest > 0 ? Math.Clamp(token.Relevance / strongest, 0, 1) : 0;
            page.Append($"<tr><td class=\"token\">{Encode(DisplayText(token.Text))}</td><td class=\"num\">{Number(token.Relevance)}</td>"
                        + $"<td class=\"gauge\"><div style=\"width: {(share * 100).ToString("0.#", CultureInfo.InvariantCulture)}%\"></div></td>"
                        + $"<td class=\"num\">{Number(token.VisualWeight)}</td><td class=\"num\">{Number(token.PromptWeight)}</td><td class=\"num\">{Number(token.Probability)}</td></tr>\n");
        }
        page.Append("</tbody>\n</table>\n</details>\n</section>\n");
    }

    private static void AppendDetails(StringBuilder page, ExplanationResult result, MapNormalization mode)
    {
        var model = result.Model;
        var timings = result.Timings;
        page.Append($"""
            <section class="card details" id="details">
            <h2>How it was computed</h2>
            <dl class="facts">
            <dt>Method</dt><dd><span class="badge">{Encode(result.Method)}</span>{(result.Approximate ? " <span class=\"badge approximate\">approximate</span>" : "")}</dd>
            <dt>Model</dt><dd>{Encode(model.Name)} · {Encode(model.ModelType)} · {Encode(model.DType)} · {Encode(model.Device)}</dd>
            <dt>Map</dt><dd>{Encode(ImageTokenLayoutText.Describe(result.ImageMap.Layout))} · {Encode(ColorBar.Caption(mode))} · {Colormap.Name}</dd>
            <dt>Timings</dt><dd>generate {Seconds(timings.GenerateSeconds)} · forward {Seconds(timings.ForwardSeconds)} · gradients {Seconds(timings.GradientSeconds)} · <strong>total {Seconds(timings.TotalSeconds)}</strong></dd>
            <dt>Peak memory (process)</dt><dd>{(result.PeakMemoryBytes > 0 ? Bytes(result.PeakMemoryBytes) : "<span class=\"none\">not reported</span>")}</dd>
            </dl>

            """);
        page.Append("<details open>\n<summary>Options</summary>\n");
        if (result.Options.Count == 0)
        {
            page.Append("<p class=\"none\">defaults</p>\n");
        }
        else
        {
            page.Append("<table class=\"options\">\n<tbody>\n");
            foreach (var (name, value) in result.Options.OrderBy(o => o.Key, StringComparer.Ordinal))
                page.Append($"<tr><td>{Encode(name)}</td><td>{Encode(value)}</td></tr>\n");
            page.Append("</tbody>\n</table>\n");
        }
        page.Append("</details>\n");
        if (result.Warnings.Count > 0)
        {
            page.Append("<ul class=\"warnings\" id=\"warnings\">\n");
            foreach (string warning in result.Warnings) page.Append($"<li>{Encode(warning)}</li>\n");
            page.Append("</ul>\n");
        }
        else
        {
            page.Append("<p class=\"hint\">No warnings.</p>\n");
        }
        page.Append("</section>\n");
    }

    /// <summary>The maps the switcher offers, with their legend values; the response map's image is the overlay's own src.</summary>
    private static void AppendData(StringBuilder page, ExplanationResult result, IReadOnlyList<byte[]>? perTokenOverlays,
        IReadOnlyList<byte[]>? gridOverlays, MapNormalization mode)
    {
        var maps = new List<MapEntry> { Entry("response", null, MapComposer.Field(result.ImageMap), ResponseCaption, mode) };
        if (gridOverlays is not null)
        {
            var grids = result.ImageMap.Layout.Grids;
            for (int g = 0; g < grids.Count; g++)
            {
                string caption = $"Grid {grids[g].Name} alone ({grids[g].Rows}×{grids[g].Columns} cells): the whole answer's map over this grid's tokens only.";
                maps.Add(Entry(GridMapId(g), "data:image/png;base64," + Convert.ToBase64String(gridOverlays[g]), MapComposer.Field(result.ImageMap, g), caption, mode));
            }
        }
        if (perTokenOverlays is not null && result.PerTokenMaps is { } tokenMaps)
        {
            for (int t = 0; t < tokenMaps.Count; t++)
            {
                var token = result.AnswerTokens[t];
                string caption = $"Token {t + 1} of {tokenMaps.Count}, “{DisplayText(token.Text).Trim()}”: γ {Number(token.Relevance)} · β^V {Number(token.VisualWeight)} · p {Number(token.Probability)}";
                maps.Add(Entry(t.ToString(CultureInfo.InvariantCulture), "data:image/png;base64," + Convert.ToBase64String(perTokenOverlays[t]),
                    MapComposer.Field(tokenMaps[t]), caption, mode));
            }
        }
        // The default encoder escapes <, > and &, so nothing in the JSON can close the script element.
        page.Append($"<script type=\"application/json\" id=\"report-data\">{JsonSerializer.Serialize(new { maps }, DataOptions)}</script>\n");
    }

    private sealed record MapEntry(string Id, string? Src, string Low, string High, string Caption);

    private static MapEntry Entry(string id, string? src, ComposedField field, string caption, MapNormalization mode)
    {
        var (low, high) = field.ValueRange(mode);
        return new MapEntry(id, src, ColorBar.FormatValue(low), ColorBar.FormatValue(high), caption);
    }

    /// <summary>Emits one token: its leading spaces as plain text (so tints hug the word), the rest in a span.</summary>
    private static void AppendToken(StringBuilder page, string rawText, string classes, string attributes, string? background)
    {
        string text = DisplayText(rawText);
        string word = text.TrimStart(' ');
        if (word.Length == 0) word = text;
        else page.Append(text[..^word.Length]);
        string style = background is null ? "" : $" style=\"background-color: {background}\"";
        page.Append($"<span class=\"{classes}\" {attributes}{style}>{Encode(word)}</span>");
    }

    /// <summary>
    /// The token as a reader would see it: tokenizers mark a leading space with "▁" (SentencePiece) or "Ġ" (byte-level
    /// BPE) and a newline with "Ċ"; newlines show as "↵" so the prompt stays on its lines.
    /// </summary>
    private static string DisplayText(string text) =>
        text.Replace('▁', ' ').Replace('Ġ', ' ').Replace("Ċ", "↵").Replace("\r\n", "↵").Replace('\n', '↵');

    private static string AnswerTip(AnswerToken token) =>
        $"γ    {Number(token.Relevance)}  relevance\nβ^V  {Number(token.VisualWeight)}  image\nβ^P  {Number(token.PromptWeight)}  question\np    {Number(token.Probability)}";

    /// <summary>A translucent highlight whose strength is the value's share of the strongest (negative counts as none).</summary>
    private static string? Tint((byte R, byte G, byte B, double MaxAlpha) tint, double value, double strongest)
    {
        if (!(strongest > 0)) return null;
        double share = Math.Clamp(value / strongest, 0, 1);
        return $"rgba({tint.R}, {tint.G}, {tint.B}, {(share * tint.MaxAlpha).ToString("0.###", CultureInfo.InvariantCulture)})";
    }

    private static string LegendGradient()
    {
        const int stops = 12;
        var colours = Enumerable.Range(0, stops).Select(i => Hex(Colormap.At(i / (double)(stops - 1))));
        return $"linear-gradient(90deg, {string.Join(", ", colours)})";
    }

    private static string Hex(SKColor c) => $"#{c.Red:x2}{c.Green:x2}{c.Blue:x2}";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Number(double value) => value.ToString("G3", CultureInfo.InvariantCulture);

    private static string RoundTrip(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    private static string Seconds(double seconds) => seconds < 1
        ? $"{(seconds * 1000).ToString("0", CultureInfo.InvariantCulture)} ms"
        : $"{seconds.ToString("0.0#", CultureInfo.InvariantCulture)} s";

    private static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return $"{value.ToString(unit == 0 ? "0" : "0.0#", CultureInfo.InvariantCulture)} {units[unit]}";
    }

    private static void RequireSameSize(byte[] png, RgbImage original, string parameter)
    {
        var info = RgbImage.Probe(png);
        if (info is null || info.Format != ImageFormat.Png)
            throw new ArgumentException("an overlay must be a PNG", parameter);
        if (info.Width != original.Width || info.Height != original.Height)
            throw new ArgumentException($"an overlay is {info.Width}×{info.Height}, the image it lies over is {original.Width}×{original.Height}", parameter);
    }
}
