using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Core.Rendering;
using Glimpse.Core.Results;

namespace Glimpse.Core.Evaluation;

/// <summary>The small pictures of eval.html's example grid, as JPEG bytes at most <see cref="MaxSide"/> pixels on their longer side.</summary>
public static class ExampleThumbnails
{
    public const int MaxSide = 200;
    private const int Quality = 88;
    /// <summary>The colour's weight where a map is highest, as in overlay.png.</summary>
    private const double Opacity = 0.6;

    public static byte[] Image(RgbImage original) => SkiaImages.Jpeg(SkiaImages.FitWithin(original, MaxSide), Quality);

    /// <summary>The map laid onto the original by <see cref="HeatmapRenderer.OverlayPng"/> (min-max, no colour bar), then scaled down.</summary>
    public static byte[] Overlay(RgbImage original, ImageTokenMap map)
    {
        byte[] png = HeatmapRenderer.OverlayPng(original, map, MapNormalization.MinMax, Opacity, colorBar: false);
        return SkiaImages.Jpeg(SkiaImages.FitWithin(RgbImage.Decode(png), MaxSide), Quality);
    }

    /// <summary>The reference tinted onto the scaled-down image with the same colormap and blend as the overlays (nearest reference pixel).</summary>
    public static byte[] Reference(RgbImage original, ReferenceImage reference)
    {
        var shown = SkiaImages.FitWithin(original, MaxSide);
        byte[] pixels = (byte[])shown.Pixels.Clone();
        for (int y = 0; y < shown.Height; y++)
        {
            int ry = Math.Min(reference.Height - 1, (int)((y + 0.5) * reference.Height / shown.Height));
            for (int x = 0; x < shown.Width; x++)
            {
                int rx = Math.Min(reference.Width - 1, (int)((x + 0.5) * reference.Width / shown.Width));
                double value = reference.Values[ry * reference.Width + rx];
                var colour = Colormap.At(value);
                double weight = Opacity * value;
                int o = (y * shown.Width + x) * 3;
                pixels[o] = Blend(pixels[o], colour.Red, weight);
                pixels[o + 1] = Blend(pixels[o + 1], colour.Green, weight);
                pixels[o + 2] = Blend(pixels[o + 2], colour.Blue, weight);
            }
        }
        return SkiaImages.Jpeg(new RgbImage(shown.Width, shown.Height, pixels), Quality);
    }

    private static byte Blend(byte under, byte over, double weight) => (byte)Math.Round(under + weight * (over - under));
}
