using Glimpse.Explain.Rendering;
using Glimpse.Model.Processing;

namespace Glimpse.Explain.Report;

/// <summary>The paths of the files <see cref="ReportWriter.Write"/> wrote.</summary>
public sealed record ReportFiles(string ResultJson, string HeatmapPng, string OverlayPng, string ReportHtml);

/// <summary>
/// Writes everything a person looks at for one explanation into a folder: result.json (the data,
/// <see cref="ResultJson"/>), heatmap.png (the token grid), overlay.png (the map on the full-size original, half
/// opacity, with a colour bar) and report.html (<see cref="HtmlReport"/>, with the per-token maps when the result has
/// them; those exist only inside the HTML).
/// </summary>
public static class ReportWriter
{
    /// <summary>
    /// The report shows the image at most this many pixels on its longer side: enough for a sharp view on a large screen,
    /// while a 12-megapixel photo with a map per answer token still makes a page of a few megabytes.
    /// </summary>
    public const int ReportImageMaxSide = 1280;

    /// <param name="original">The image the model was given, before processing.</param>
    /// <param name="geometry">How the processor turned it into the model input (<see cref="ProcessedImage.Geometry"/>).</param>
    /// <param name="tokenCellSize"><see cref="ProcessedImage.TokenCellSize"/>.</param>
    public static ReportFiles Write(string outDir, ExplanationResult result, RgbImage original, ImageGeometry geometry, int tokenCellSize, MapNormalization mode)
    {
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(geometry);
        // Everything is rendered before anything is written, so a bad input leaves no half-written folder.
        string json = ResultJson.Serialize(result);
        byte[] heatmap = HeatmapRenderer.HeatmapPng(result.ImageMap, mode);
        byte[] overlay = HeatmapRenderer.OverlayPng(original, geometry, tokenCellSize, result.ImageMap, mode);

        RgbImage shown = SkiaImages.FitWithin(original, ReportImageMaxSide);
        var shownSize = new PixelSize(shown.Width, shown.Height);
        byte[] responseLayer = HeatmapRenderer.ColorLayerPng(shownSize, geometry, tokenCellSize, result.ImageMap, mode);
        var tokenLayers = result.PerTokenMaps?
            .Select(map => HeatmapRenderer.ColorLayerPng(shownSize, geometry, tokenCellSize, map, mode))
            .ToList();
        string html = HtmlReport.Render(result, shown, responseLayer, tokenLayers, mode);

        Directory.CreateDirectory(outDir);
        var files = new ReportFiles(
            Path.Combine(outDir, "result.json"), Path.Combine(outDir, "heatmap.png"),
            Path.Combine(outDir, "overlay.png"), Path.Combine(outDir, "report.html"));
        File.WriteAllText(files.ResultJson, json);
        File.WriteAllBytes(files.HeatmapPng, heatmap);
        File.WriteAllBytes(files.OverlayPng, overlay);
        File.WriteAllText(files.ReportHtml, html);
        return files;
    }
}
