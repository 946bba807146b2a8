using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Core.Results;
using SkiaSharp;

namespace Glimpse.Core.Rendering;

/// <summary>
/// Pictures of a map over image tokens, as PNG bytes: the bare token grid, the map laid back onto the original image,
/// and a transparent colour layer for viewers that blend it themselves (the HTML report's opacity slider).
/// Colours come from <see cref="Colormap"/> after <see cref="MapNormalizer"/>.
/// </summary>
public static class HeatmapRenderer
{
    /// <summary>
    /// The map as flat cells of <paramref name="cellPixels"/> pixels (nearest: one colour per cell, no smoothing, so
    /// each can be read off), above a <see cref="ColorBar"/> band. A single grid is drawn as its own tokens; several
    /// grids are drawn as the composed map's <see cref="MapComposer.BoxIntegral"/> over
    /// <see cref="MapComposer.ComposedSize"/> cells of the original. Unplaced tokens are not drawn.
    /// </summary>
    public static byte[] HeatmapPng(ImageTokenMap map, MapNormalization mode, int cellPixels = 32)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.Layout.Grids.Count == 1)
            return CellsPng(map.Layout.Grids[0].Rows, map.Layout.Grids[0].Columns, map.GridValues(0), mode, cellPixels);
        var (width, height) = MapComposer.ComposedSize(map.Layout);
        return CellsPng(height, width, MapComposer.BoxIntegral(map, width, height), mode, cellPixels);
    }

    /// <summary>Rows × columns flat cells, row-major values; the PNG is columns·cellPixels wide and
    /// rows·cellPixels + <see cref="ColorBar.BandHeight"/> tall.</summary>
    private static byte[] CellsPng(int rows, int columns, double[] values, MapNormalization mode, int cellPixels)
    {
        if (cellPixels <= 0) throw new ArgumentOutOfRangeException(nameof(cellPixels), $"cells need a positive size, got {cellPixels}");
        double[] normalized = MapNormalizer.Normalize(values, mode);
        int width = columns * cellPixels, height = rows * cellPixels;

        using var bitmap = new SKBitmap(new SKImageInfo(width, height + ColorBar.BandHeight(width), SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            using var cell = new SKPaint();
            for (int row = 0; row < rows; row++)
            {
                for (int col = 0; col < columns; col++)
                {
                    cell.Color = Colormap.At(normalized[row * columns + col]);
                    canvas.DrawRect(col * cellPixels, row * cellPixels, cellPixels, cellPixels, cell);
                }
            }
            ColorBar.Draw(canvas, new SKRectI(0, height, width, bitmap.Height), MapNormalizer.ValueRange(values, mode), mode);
        }
        return SkiaImages.Png(bitmap);
    }

    /// <summary>
    /// The map laid onto the original image. At every pixel the model saw, the composed map's display field
    /// (<see cref="MapComposer.Field"/>: each grid interpolated bilinearly, grids summed) is normalised to t and the colormap's colour
    /// at t is alpha-blended over the original with weight <paramref name="opacity"/> · t: where the map is high the
    /// colour shows, where it is 0 the photo stays as it was, so the image stays readable around what the answer rests
    /// on. Pixels the model never saw (cropped away by the processor) keep their original colour exactly.
    /// The PNG is the original's size, plus a <see cref="ColorBar"/> band below when <paramref name="colorBar"/>.
    /// </summary>
    /// <param name="map">The map; its layout's Original must be the image's size.</param>
    /// <param name="opacity">The colour's weight in the blend where the map is highest, 0 (original only) to 1 (colour only).</param>
    /// <param name="onlyGrid">Draw this grid of the layout alone instead of the composed map.</param>
    public static byte[] OverlayPng(RgbImage original, ImageTokenMap map, MapNormalization mode, double opacity = 0.5, bool colorBar = true,
        int? onlyGrid = null)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(map);
        if (!(opacity >= 0 && opacity <= 1)) throw new ArgumentOutOfRangeException(nameof(opacity), $"opacity must be in [0, 1], got {opacity}");
        var size = new PixelSize(original.Width, original.Height);
        if (map.Layout.Original != size)
            throw new ArgumentException(
                $"the map's layout is for a {map.Layout.Original.Width}×{map.Layout.Original.Height} original, the image is {size.Width}×{size.Height}", nameof(map));
        var field = MapComposer.Field(map, onlyGrid);
        var sampler = field.Sampler(size);
        var normalize = field.Normalizer(mode);

        int width = original.Width, height = original.Height, bandHeight = colorBar ? ColorBar.BandHeight(width) : 0;
        var rgba = new byte[width * (height + bandHeight) * 4];
        var colours = Colormap.Table;
        byte[] source = original.Pixels;
        Parallel.For(0, height, y =>
        {
            for (int x = 0, i = y * width * 3, o = y * width * 4; x < width; x++, i += 3, o += 4)
            {
                byte r = source[i], g = source[i + 1], b = source[i + 2];
                if (sampler.TrySample(x, y, out double raw))
                {
                    double value = normalize(raw);
                    SKColor c = colours[Colormap.Index(value)];
                    double weight = opacity * value;
                    r = Blend(r, c.Red, weight);
                    g = Blend(g, c.Green, weight);
                    b = Blend(b, c.Blue, weight);
                }
                rgba[o] = r;
                rgba[o + 1] = g;
                rgba[o + 2] = b;
                rgba[o + 3] = 255;
            }
        });

        using var bitmap = SkiaImages.Bitmap(width, height + bandHeight, rgba, SKAlphaType.Opaque);
        if (colorBar)
        {
            using var canvas = new SKCanvas(bitmap);
            ColorBar.Draw(canvas, new SKRectI(0, height, width, height + bandHeight), field.ValueRange(mode), mode);
        }
        return SkiaImages.Png(bitmap);
    }

    /// <summary>
    /// The map's colours alone, at <paramref name="size"/> (the size of the picture of the original it will be laid over,
    /// which may be a scaled copy): the colormap's colour at t with alpha t where the model saw the image, fully
    /// transparent where it did not. Drawn over that picture at opacity α it gives <see cref="OverlayPng"/> with
    /// opacity α (without a colour bar), which is how the HTML report's slider works.
    /// </summary>
    /// <param name="onlyGrid">Draw this grid of the layout alone instead of the composed map.</param>
    public static byte[] ColorLayerPng(PixelSize size, ImageTokenMap map, MapNormalization mode, int? onlyGrid = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (size.Width <= 0 || size.Height <= 0) throw new ArgumentOutOfRangeException(nameof(size), $"sizes must be positive, got {size.Width}×{size.Height}");
        var field = MapComposer.Field(map, onlyGrid);
        var sampler = field.Sampler(size);
        var normalize = field.Normalizer(mode);

        var rgba = new byte[size.Width * size.Height * 4];
        var colours = Colormap.Table;
        Parallel.For(0, size.Height, y =>
        {
            if (!sampler.RowSeen(y)) return;
            for (int x = 0, o = y * size.Width * 4; x < size.Width; x++, o += 4)
            {
                if (!sampler.TrySample(x, y, out double raw)) continue;
                double value = normalize(raw);
                SKColor c = colours[Colormap.Index(value)];
                rgba[o] = c.Red;
                rgba[o + 1] = c.Green;
                rgba[o + 2] = c.Blue;
                rgba[o + 3] = (byte)Math.Round(255 * value);
            }
        });

        using var bitmap = SkiaImages.Bitmap(size.Width, size.Height, rgba, SKAlphaType.Unpremul);
        return SkiaImages.Png(bitmap);
    }

    private static byte Blend(byte under, byte over, double weight) => (byte)Math.Round(under + weight * (over - under));
}
