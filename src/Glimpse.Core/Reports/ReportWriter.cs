using System.Text;
using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Core.Rendering;
using Glimpse.Core.Results;

namespace Glimpse.Core.Reports;

/// <summary>The paths of the files <see cref="ReportWriter.Write"/> wrote.</summary>
public sealed record ReportFiles(string ResultJson, string HeatmapPng, string OverlayPng, string ReportHtml);

/// <summary>The bytes of the files <see cref="ReportWriter.Render"/> made: result.json, heatmap.png, overlay.png, report.html.</summary>
public sealed record ReportContent(byte[] ResultJson, byte[] HeatmapPng, byte[] OverlayPng, byte[] ReportHtml);

/// <summary>
/// Writes everything a person looks at for one explanation into a folder: result.json (the data,
/// <see cref="ResultJson"/>), heatmap.png (the token grid, or the composed map when the layout has several grids),
/// overlay.png (the composed map on the full-size original, half opacity, with a colour bar) and report.html
/// (<see cref="HtmlReport"/>, with the per-token maps when the result has them and each grid alone when there are
/// several; those exist only inside the HTML).
/// </summary>
public static class ReportWriter
{
    /// <summary>
    /// The report shows the image at most this many pixels on its longer side: enough for a sharp view on a large screen,
    /// while a 12-megapixel photo with a map per answer token still makes a page of a few megabytes.
    /// </summary>
    public const int ReportImageMaxSide = 1280;

    /// <param name="original">The image the model was given, before processing (the result's layout places the maps on it).</param>
    public static ReportFiles Write(string outDir, ExplanationResult result, RgbImage original, MapNormalization mode)
    {
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        // Everything is rendered before anything is written, so a bad input leaves no half-written folder.
        var content = Render(result, original, mode);
        Directory.CreateDirectory(outDir);
        var files = new ReportFiles(
            Path.Combine(outDir, "result.json"), Path.Combine(outDir, "heatmap.png"),
            Path.Combine(outDir, "overlay.png"), Path.Combine(outDir, "report.html"));
        File.WriteAllBytes(files.ResultJson, content.ResultJson);
        File.WriteAllBytes(files.HeatmapPng, content.HeatmapPng);
        File.WriteAllBytes(files.OverlayPng, content.OverlayPng);
        File.WriteAllBytes(files.ReportHtml, content.ReportHtml);
        return files;
    }

    /// <summary>
    /// The four files' bytes without writing them anywhere, for writers that store them elsewhere (the pipeline puts
    /// them in blob storage). Text files are UTF-8 without a byte-order mark.
    /// </summary>
    public static ReportContent Render(ExplanationResult result, RgbImage original, MapNormalization mode)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(original);
        string json = ResultJson.Serialize(result);
        byte[] heatmap = HeatmapRenderer.HeatmapPng(result.ImageMap, mode);
        byte[] overlay = HeatmapRenderer.OverlayPng(original, result.ImageMap, mode);

        RgbImage shown = SkiaImages.FitWithin(original, ReportImageMaxSide);
        var shownSize = new PixelSize(shown.Width, shown.Height);
        byte[] responseLayer = HeatmapRenderer.ColorLayerPng(shownSize, result.ImageMap, mode);
        var tokenLayers = result.PerTokenMaps?
            .Select(map => HeatmapRenderer.ColorLayerPng(shownSize, map, mode))
            .ToList();
        // Each grid alone only when there is more than one: for a single grid it is the composed map itself.
        int grids = result.ImageMap.Layout.Grids.Count;
        var gridLayers = grids > 1
            ? Enumerable.Range(0, grids).Select(g => HeatmapRenderer.ColorLayerPng(shownSize, result.ImageMap, mode, g)).ToList()
            : null;
        string html = HtmlReport.Render(result, shown, responseLayer, tokenLayers, mode, gridLayers);
        return new ReportContent(Encoding.UTF8.GetBytes(json), heatmap, overlay, Encoding.UTF8.GetBytes(html));
    }
}
