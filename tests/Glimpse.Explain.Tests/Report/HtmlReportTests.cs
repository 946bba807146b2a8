using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Core.Rendering;
using Glimpse.Core.Reports;
using Glimpse.Core.Results;

namespace Glimpse.Explain.Tests.Report;

public class HtmlReportTests
{
    private static byte[] Layer(int width, int height, ImageTokenMap map) =>
        HeatmapRenderer.ColorLayerPng(new PixelSize(width, height), map, MapNormalization.MinMax);

    [Fact]
    public void OverlaysMustMatchTheImageAndTheAnswer()
    {
        var result = SampleResults.Glimpse();
        var photo = SampleResults.Photo();
        byte[] layer = Layer(48, 40, result.ImageMap);

        Assert.Throws<ArgumentException>(() => HtmlReport.Render(result, photo, Layer(24, 20, result.ImageMap)));
        Assert.Throws<ArgumentException>(() => HtmlReport.Render(result, photo, [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => HtmlReport.Render(result, photo, layer, [layer, layer]));
        Assert.Throws<ArgumentException>(() => HtmlReport.Render(result with { PerTokenMaps = null }, photo, layer, [layer, layer, layer, layer, layer]));
    }

    [Fact]
    public void WithoutScriptThePageStillShowsTheResponseMap()
    {
        var result = SampleResults.Glimpse();
        byte[] layer = Layer(48, 40, result.ImageMap);
        string html = HtmlReport.Render(result, SampleResults.Photo(), layer);
        Assert.Contains($"id=\"overlay\" class=\"overlay\" alt=\"relevance map over the image\" src=\"data:image/png;base64,{Convert.ToBase64String(layer)}\"", html);
        // The data block cannot end the script element early, whatever the text holds.
        int data = html.IndexOf("id=\"report-data\">", StringComparison.Ordinal);
        Assert.DoesNotContain("<", html[(data + 17)..html.IndexOf("</script>", data, StringComparison.Ordinal)]);
    }
}
