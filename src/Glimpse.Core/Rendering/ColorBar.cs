using System.Globalization;
using Glimpse.Core.Methods;
using SkiaSharp;

namespace Glimpse.Core.Rendering;

/// <summary>
/// The legend band rendered PNGs carry below the picture: the colormap from low to high, the raw values its ends stand
/// for, and how the map was normalised. It scales with the picture's width so it stays legible on large photos.
/// <para>
/// Labels use DejaVu Sans, or Skia's default typeface where that is missing; with no usable font at all, or a picture
/// too narrow for the text, the band shows the bar alone rather than failing.
/// </para>
/// </summary>
public static class ColorBar
{
    private const int BaseHeight = 40, BaseWidth = 800;
    private static readonly SKTypeface? LabelTypeface = FindTypeface();

    /// <summary>The band's height in pixels under a picture <paramref name="width"/> pixels wide.</summary>
    public static int BandHeight(int width) => (int)Math.Round(BaseHeight * Scale(width));

    /// <summary>What the band's middle says about the scale, e.g. "min-max" (ASCII: any fallback font has it).</summary>
    public static string Caption(MapNormalization mode) => mode switch
    {
        MapNormalization.MinMax => "min-max",
        MapNormalization.Percentile => "p1-p99, clipped",
        MapNormalization.Rank => "rank",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown normalisation"),
    };

    /// <summary>How colour-bar labels write a raw value: three significant digits, invariant culture.</summary>
    public static string FormatValue(double value) => value.ToString("G3", CultureInfo.InvariantCulture);

    /// <summary>Draws the band into <paramref name="band"/> (the full width of the picture, <see cref="BandHeight"/> tall).</summary>
    internal static void Draw(SKCanvas canvas, SKRectI band, (double Low, double High) range, MapNormalization mode)
    {
        float scale = (float)Scale(band.Width);
        using var background = new SKPaint { Color = SKColors.White };
        canvas.DrawRect(band, background);

        float margin = Math.Min(8 * scale, band.Width / 8f);
        float barLeft = band.Left + margin, barRight = band.Right - margin, barTop = band.Top + 6 * scale, barHeight = 10 * scale;
        using var barPaint = new SKPaint();
        int barPixels = Math.Max(1, (int)Math.Round(barRight - barLeft));
        for (int i = 0; i < barPixels; i++)
        {
            barPaint.Color = Colormap.At(barPixels == 1 ? 0 : i / (double)(barPixels - 1));
            canvas.DrawRect(barLeft + i, barTop, 1, barHeight, barPaint);
        }

        if (LabelTypeface is null) return;
        using var font = new SKFont(LabelTypeface, 11 * scale);
        using var text = new SKPaint { Color = new SKColor(0x33, 0x33, 0x33), IsAntialias = true };
        string low = FormatValue(range.Low), high = FormatValue(range.High), caption = Caption(mode);
        float gap = 6 * scale, baseline = barTop + barHeight + 4 * scale + font.Size;
        float lowWidth = font.MeasureText(low), highWidth = font.MeasureText(high), captionWidth = font.MeasureText(caption);
        if (lowWidth + gap + highWidth > barRight - barLeft) return;
        canvas.DrawText(low, barLeft, baseline, SKTextAlign.Left, font, text);
        canvas.DrawText(high, barRight, baseline, SKTextAlign.Right, font, text);
        // The caption sits centred, and only where it clears both labels.
        float middle = (barLeft + barRight) / 2;
        if (middle - captionWidth / 2 >= barLeft + lowWidth + gap && middle + captionWidth / 2 <= barRight - highWidth - gap)
            canvas.DrawText(caption, middle, baseline, SKTextAlign.Center, font, text);
    }

    /// <summary>1 up to an 800-pixel-wide picture, growing with the width beyond (at most 4).</summary>
    private static double Scale(int width) => Math.Clamp(width / (double)BaseWidth, 1, 4);

    private static SKTypeface? FindTypeface()
    {
        // SkiaSharp's NoDependencies build scans the system font folders itself (no fontconfig); on Debian that finds
        // DejaVu (fonts-dejavu-core). An unknown family falls back to the default, which has no glyphs on a machine
        // without fonts.
        foreach (var typeface in new[] { SKTypeface.FromFamilyName("DejaVu Sans"), SKTypeface.Default })
            if (typeface is { GlyphCount: > 0 }) return typeface;
        return null;
    }
}
