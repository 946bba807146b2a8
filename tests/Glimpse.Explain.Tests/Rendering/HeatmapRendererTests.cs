using System.Diagnostics;
using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Core.Rendering;
using Glimpse.Core.Results;
using Glimpse.Explain.Tests.Report;
using SkiaSharp;

namespace Glimpse.Explain.Tests.Rendering;

public class HeatmapRendererTests
{
    private static byte[] Rgb(RgbImage image, int x, int y) => image.Pixels.AsSpan((y * image.Width + x) * 3, 3).ToArray();

    private static byte[] Rgb(SKColor c) => [c.Red, c.Green, c.Blue];

    /// <summary>A map over a 4 × 4 grid that is hot only in its top-left token (by default the sample's grid on its LLaVA geometry).</summary>
    private static ImageTokenMap HotTopLeft(ImageGeometry? geometry = null, int cellSize = SampleResults.TokenCellSize)
    {
        var values = new double[16];
        values[0] = 1;
        return SampleResults.GridMap(4, 4, values, geometry ?? SampleResults.LlavaGeometry, cellSize);
    }

    [Fact]
    public void HeatmapIsOneFlatCellPerTokenAboveAColourBar()
    {
        var map = SampleResults.GridMap(2, 3, [0, 1, 2, 3, 4, 5]);
        var png = RgbImage.Decode(HeatmapRenderer.HeatmapPng(map, MapNormalization.MinMax, cellPixels: 20));

        Assert.Equal(60, png.Width);
        Assert.Equal(40 + ColorBar.BandHeight(60), png.Height);
        for (int row = 0; row < 2; row++)
        {
            for (int col = 0; col < 3; col++)
            {
                byte[] expected = Rgb(Colormap.At((row * 3 + col) / 5.0));
                // Every pixel of a cell, corners included, has the cell's colour.
                foreach (var (dx, dy) in new[] { (0, 0), (19, 0), (10, 10), (0, 19), (19, 19) })
                    Assert.Equal(expected, Rgb(png, col * 20 + dx, row * 20 + dy));
            }
        }
    }

    [Fact]
    public void OverlayColoursTheHotCornerAndLeavesTheColdCornerAsItWas()
    {
        var original = SampleResults.Photo(64, 64);
        var identity = new ImageGeometry(new PixelSize(64, 64), new PixelSize(64, 64), new PixelRect(0, 0, 64, 64));
        var overlay = RgbImage.Decode(HeatmapRenderer.OverlayPng(original, HotTopLeft(identity, 16), MapNormalization.MinMax, opacity: 0.5));

        Assert.Equal(64, overlay.Width);
        Assert.Equal(64 + ColorBar.BandHeight(64), overlay.Height);
        // Up to the top-left token's centre the interpolated map is 1: half photo, half the top colour.
        SKColor top = Colormap.At(1);
        for (int y = 0; y < 8; y++)
        {
            for (int x = 0; x < 8; x++)
            {
                byte[] photo = Rgb(original, x, y), seen = Rgb(overlay, x, y);
                byte[] expected = [(byte)Math.Round(photo[0] + 0.5 * (top.Red - photo[0])), (byte)Math.Round(photo[1] + 0.5 * (top.Green - photo[1])), (byte)Math.Round(photo[2] + 0.5 * (top.Blue - photo[2]))];
                Assert.Equal(expected, seen);
            }
        }
        // From the second token's centre on the map is 0: the bottom-right half is the photo, untouched.
        for (int y = 24; y < 64; y++)
            for (int x = 24; x < 64; x++)
                Assert.Equal(Rgb(original, x, y), Rgb(overlay, x, y));
        // In between it fades: along the top row the change from the photo shrinks as x moves away from the hot token.
        double Change(int x) => Rgb(overlay, x, 0).Zip(Rgb(original, x, 0), (a, b) => Math.Abs(a - b)).Sum();
        Assert.True(Change(4) > Change(14) && Change(14) > Change(20) && Change(20) > 0);
    }

    [Fact]
    public void PixelsTheCropRemovedAreUnchanged()
    {
        // LLaVA: 48 × 40 → 38 × 32 → the 32 × 32 crop at x = 3. In original coordinates the crop spans
        // x ∈ [3 · 48/38, 35 · 48/38) = [3.79, 44.2): pixel centres of columns 0–3 and 44–47 lie outside.
        var original = SampleResults.Photo();
        var map = new ImageTokenMap(SampleResults.Layout, Enumerable.Repeat(1.0, 15).Append(2.0).ToArray());
        var overlay = RgbImage.Decode(HeatmapRenderer.OverlayPng(original, map, MapNormalization.MinMax, opacity: 1, colorBar: false));

        Assert.Equal((48, 40), (overlay.Width, overlay.Height));
        // The map is hot in its bottom-right token, whose colour, at full opacity, reaches the crop's right edge.
        for (int y = 0; y < 40; y++)
            foreach (int x in new[] { 0, 1, 2, 3, 44, 45, 46, 47 })
                Assert.Equal(Rgb(original, x, y), Rgb(overlay, x, y));
        // Column 43's centre (43.5) is inside; its bottom rows are on the hot token: pure colour.
        Assert.Equal(Rgb(Colormap.At(1)), Rgb(overlay, 43, 39));
        Assert.NotEqual(Rgb(original, 43, 39), Rgb(overlay, 43, 39));
    }

    [Fact]
    public void ColourLayerIsTransparentWhereTheModelDidNotLookAndMatchesTheOverlay()
    {
        var original = SampleResults.Photo();
        var map = SampleResults.Glimpse().ImageMap;
        byte[] layerPng = HeatmapRenderer.ColorLayerPng(new PixelSize(48, 40), map, MapNormalization.MinMax);
        using var layer = SKBitmap.Decode(layerPng, new SKImageInfo(48, 40, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var overlay = RgbImage.Decode(HeatmapRenderer.OverlayPng(original, map, MapNormalization.MinMax, opacity: 1, colorBar: false));

        for (int y = 0; y < 40; y++)
        {
            Assert.Equal(0, layer.GetPixel(2, y).Alpha);
            Assert.Equal(0, layer.GetPixel(46, y).Alpha);
            for (int x = 4; x < 44; x++)
            {
                // The layer drawn over the photo at full opacity is the overlay at opacity 1 (within rounding of alpha).
                SKColor c = layer.GetPixel(x, y);
                byte[] photo = Rgb(original, x, y), seen = Rgb(overlay, x, y);
                double a = c.Alpha / 255.0;
                Assert.InRange(photo[0] + a * (c.Red - photo[0]), seen[0] - 1.5, seen[0] + 1.5);
                Assert.InRange(photo[1] + a * (c.Green - photo[1]), seen[1] - 1.5, seen[1] + 1.5);
                Assert.InRange(photo[2] + a * (c.Blue - photo[2]), seen[2] - 1.5, seen[2] + 1.5);
            }
        }
    }

    [Fact]
    public void ColourLayerCanBeRenderedForAScaledCopy()
    {
        var map = HotTopLeft();
        using var layer = SKBitmap.Decode(HeatmapRenderer.ColorLayerPng(new PixelSize(24, 20), map, MapNormalization.MinMax));
        Assert.Equal((24, 20), (layer.Width, layer.Height));
        // Half-size column 1 has its centre at original x = 3: cropped away. Column 2 (x = 5) is inside, on the hot token.
        Assert.Equal(0, layer.GetPixel(1, 0).Alpha);
        Assert.Equal(255, layer.GetPixel(2, 0).Alpha);
        Assert.Equal(0, layer.GetPixel(20, 19).Alpha);
    }

    [Fact]
    public void MismatchedInputsAreRejected()
    {
        var original = SampleResults.Photo();
        var map = HotTopLeft();
        Assert.Throws<ArgumentException>(() => HeatmapRenderer.OverlayPng(SampleResults.Photo(40, 40), map, MapNormalization.MinMax));
        // A grid that does not fit its input, and too few values for the layout's tokens, never make a map.
        Assert.Throws<ArgumentException>(() => HeatmapRenderer.OverlayPng(original, HotTopLeft(cellSize: 9), MapNormalization.MinMax));
        Assert.Throws<ArgumentException>(() => HeatmapRenderer.OverlayPng(original, new ImageTokenMap(SampleResults.Layout, [1, 2, 3]), MapNormalization.MinMax));
        Assert.Throws<ArgumentOutOfRangeException>(() => HeatmapRenderer.OverlayPng(original, map, MapNormalization.MinMax, opacity: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => HeatmapRenderer.HeatmapPng(map, MapNormalization.MinMax, cellPixels: 0));
    }

    [Fact]
    public void ALargePhotoRendersInReasonableTime()
    {
        // A 4000 × 3000 photo seen by LLaVA: the short side to 336, the 336 × 336 centre crop of 448 × 336, 24 × 24 tokens.
        const int width = 4000, height = 3000;
        var original = new RgbImage(width, height, new byte[width * height * 3]);
        var geometry = new ImageGeometry(new PixelSize(width, height), new PixelSize(448, 336), new PixelRect(56, 0, 336, 336));
        var random = new Random(3);
        var map = SampleResults.GridMap(24, 24, Enumerable.Range(0, 576).Select(_ => random.NextDouble()).ToArray(), geometry, 14);

        var clock = Stopwatch.StartNew();
        byte[] png = HeatmapRenderer.OverlayPng(original, map, MapNormalization.Percentile);
        clock.Stop();

        var info = RgbImage.Probe(png);
        Assert.NotNull(info);
        Assert.Equal(width, info.Width);
        Assert.Equal(height + ColorBar.BandHeight(width), info.Height);
        // Measured at about 1.5 s on two shared cores; the bound only catches a per-pixel slow path.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"a 4000 × 3000 overlay took {clock.Elapsed.TotalSeconds:0.0} s");
    }
}
