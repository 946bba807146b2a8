using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Core.Rendering;
using Glimpse.Core.Reports;
using Glimpse.Core.Results;

namespace Glimpse.Explain.Tests.Report;

public class ReportWriterTests
{
    [Fact]
    public void WritesTheFourFiles()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"glimpse-report-{Guid.NewGuid():N}");
        try
        {
            var result = SampleResults.Glimpse();
            var files = ReportWriter.Write(folder, result, SampleResults.Photo(), MapNormalization.MinMax);

            Assert.Equal(ResultJson.Serialize(result), File.ReadAllText(files.ResultJson));
            var heatmap = RgbImage.Decode(File.ReadAllBytes(files.HeatmapPng));
            Assert.Equal((4 * 32, 4 * 32 + ColorBar.BandHeight(128)), (heatmap.Width, heatmap.Height));
            var overlay = RgbImage.Decode(File.ReadAllBytes(files.OverlayPng));
            Assert.Equal((48, 40 + ColorBar.BandHeight(48)), (overlay.Width, overlay.Height));
            string html = File.ReadAllText(files.ReportHtml);
            // The photo, the response layer and one layer per answer token are embedded; nothing is linked.
            Assert.Equal(1, Count(html, "data:image/jpeg;base64,"));
            Assert.Equal(1 + result.AnswerTokens.Count, Count(html, "data:image/png;base64,"));
            Assert.DoesNotContain("http://", html);
            Assert.DoesNotContain("https://", html);
            Assert.Equal(["heatmap.png", "overlay.png", "report.html", "result.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ALargePhotoIsShownScaledInTheReport()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"glimpse-report-{Guid.NewGuid():N}");
        try
        {
            var photo = SampleResults.Photo(3000, 2500);
            var geometry = new ImageGeometry(new PixelSize(3000, 2500), new PixelSize(38, 32), new PixelRect(3, 0, 32, 32));
            var files = ReportWriter.Write(folder, SampleResults.Glimpse(geometry: geometry), photo, MapNormalization.Percentile);

            Assert.Equal(3000, RgbImage.Probe(File.ReadAllBytes(files.OverlayPng))!.Width);
            string html = File.ReadAllText(files.ReportHtml);
            Assert.Contains($"aspect-ratio: {ReportWriter.ReportImageMaxSide} / 1067", html);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void NothingIsWrittenWhenTheInputsDisagree()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"glimpse-report-{Guid.NewGuid():N}");
        Assert.Throws<ArgumentException>(() =>
            ReportWriter.Write(folder, SampleResults.Glimpse(), SampleResults.Photo(50, 40), MapNormalization.MinMax));
        Assert.False(Directory.Exists(folder));
    }

    private static int Count(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
