using Glimpse.Core.Images;
using Glimpse.Core.Rendering;
using Glimpse.Core.Results;

namespace Glimpse.Core.Evaluation;

/// <summary>
/// The common ground on which an explanation is compared with a reference: a grid of cells (14 × 14 by default, the
/// VQA-HAT protocol) laid evenly over the <b>original</b> image, whatever its aspect ratio.
/// <list type="bullet">
/// <item>An explanation lives on the image tokens, placed by their layout's grids. It is laid onto the original exactly
/// as the overlay is drawn (the display form of <see cref="MapComposer"/>: each grid through the processor's
/// resize/crop geometry, bilinear between token centres, grids summed as densities) at <see cref="SamplesPerCell"/>²
/// sample points per grid cell, then each cell is the mean of its samples. Where the model never saw the image
/// (cropped away) a sample counts 0: the explanation put no relevance there. The overlay's form rather than the exact
/// box integral (result.json's image_map) keeps eval's numbers what they were for single-grid models and matches what
/// a reader sees; every alignment metric is invariant to the map's scale, so its units do not matter.</item>
/// <item>A reference (mask or map, any size) is area-averaged: each cell is the mean of the reference over exactly the
/// part of the image it covers, partial pixels weighted by their covered area. A binary mask thus becomes the covered
/// fraction of each cell.</item>
/// </list>
/// </summary>
public sealed record ComparisonGrid(int Height, int Width)
{
    /// <summary>The grid of the VQA-HAT protocol.</summary>
    public static ComparisonGrid Default { get; } = new(14, 14);

    /// <summary>Sample points per cell along each axis when an explanation is laid onto the grid.</summary>
    public const int SamplesPerCell = 8;

    public int CellCount => Height * Width;

    /// <summary>An explanation over image tokens, on this grid over the original image (row-major).</summary>
    public double[] FromTokenMap(ImageTokenMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var samples = new PixelSize(Width * SamplesPerCell, Height * SamplesPerCell);
        var sampler = MapComposer.Field(map).Sampler(samples);
        var cells = new double[CellCount];
        for (int y = 0; y < samples.Height; y++)
            for (int x = 0; x < samples.Width; x++)
                if (sampler.TrySample(x, y, out double value))
                    cells[y / SamplesPerCell * Width + x / SamplesPerCell] += value;
        const int perCell = SamplesPerCell * SamplesPerCell;
        return cells.Select(sum => sum / perCell).ToArray();
    }

    /// <summary>A reference image's values, area-averaged onto this grid (row-major).</summary>
    public double[] FromReference(ReferenceImage reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var cells = new double[CellCount];
        var rows = Overlaps(reference.Height, Height);
        var columns = Overlaps(reference.Width, Width);
        for (int row = 0; row < Height; row++)
        {
            for (int column = 0; column < Width; column++)
            {
                double sum = 0, area = 0;
                foreach (var (y, wy) in rows[row])
                    foreach (var (x, wx) in columns[column])
                    {
                        sum += wy * wx * reference.Values[y * reference.Width + x];
                        area += wy * wx;
                    }
                cells[row * Width + column] = sum / area;
            }
        }
        return cells;
    }

    /// <summary>For each of <paramref name="cells"/> equal cells along an axis of <paramref name="pixels"/> pixels: the pixels it overlaps and by how much (in pixels).</summary>
    private static List<(int Pixel, double Weight)>[] Overlaps(int pixels, int cells)
    {
        var overlaps = new List<(int, double)>[cells];
        double cellSize = (double)pixels / cells;
        for (int c = 0; c < cells; c++)
        {
            double start = c * cellSize, end = (c + 1) * cellSize;
            overlaps[c] = [];
            for (int p = (int)Math.Floor(start); p < Math.Min(pixels, (int)Math.Ceiling(end)); p++)
            {
                double weight = Math.Min(end, p + 1) - Math.Max(start, p);
                if (weight > 0) overlaps[c].Add((p, weight));
            }
        }
        return overlaps;
    }
}
